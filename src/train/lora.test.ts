import assert from "node:assert/strict";
import { join } from "node:path";
import { test } from "node:test";
import { silentLogger } from "../core/index.js";
import { createLlama, loadLlamaWeights, readLlamaGguf } from "../engine/index.js";
import { openLlama } from "../llm/index.js";
import {
  resumeVersusWhole,
  tempDir,
  tinyLlamaConfig,
  writeRandomLlamaModel,
  writeSftDataset,
} from "../testing/index.js";
import {
  createLoraAdapters,
  exportLoraCheckpoint,
  loadCheckpoint,
  loraStage,
  mergeLora,
  resolveLoraConfig,
  train,
  withLoraSchedule,
} from "./index.js";

// SmolLM2-135M's widths (d 576, 9 heads over 3 KV heads of 64, SwiGLU 1536) in 2 layers, byte-level vocabulary.
const SMOL_SHAPE = {
  dModel: 576,
  nHeads: 9,
  nKvHeads: 3,
  dFf: 1536,
  nLayers: 2,
  contextLength: 512,
  ropeTheta: 100_000,
};

test("a LoRA trained by the engine on an imported GGUF changes llama.cpp's logits as the engine predicts", async (t) => {
  const dir = tempDir(t);
  const base = join(dir, "base.gguf");
  writeRandomLlamaModel(base, { config: tinyLlamaConfig(SMOL_SHAPE), seed: 11, fileType: "F16" });
  const dataset = writeSftDataset(join(dir, "dataset"), { train: 12, val: 4 });
  const cfg = withLoraSchedule(
    resolveLoraConfig({
      base,
      dataset,
      rank: 4,
      alpha: 8,
      epochs: 2,
      batchSize: 4,
      lr: 2e-2,
      minLr: 2e-3,
      warmupSteps: 1,
      maxPromptTokens: 160,
      maxTargetTokens: 96,
      earlyStoppingPatience: 0,
      threads: 2,
    }),
    3,
  );
  const r = await train(loraStage({ home: dir }), { config: cfg, runsRoot: join(dir, "runs"), log: silentLogger });
  const val = r.lastEval["loss/val"] as number;
  assert.ok(Number.isFinite(val));
  const adapterPath = join(dir, "adapter.gguf");
  exportLoraCheckpoint(r.checkpointDir, adapterPath);

  // The engine's prediction: the base model with W + (alpha/r)·B·A.
  const gguf = readLlamaGguf(base);
  const engine = createLlama(gguf.config, { seed: 0 });
  loadLlamaWeights(engine, gguf.weights);
  const tokens = Int32Array.from([1, 72, 105, 32, 116, 104, 101, 114, 101, 44, 32, 112, 97, 112, 101, 114]);
  const baseLogits = engine.logits(tokens, 1, tokens.length);
  const trained = loadCheckpoint(r.checkpointDir).weights;
  const adapters = createLoraAdapters(gguf.config, { rank: 4, targets: cfg.targets, seed: 0 });
  for (const ad of adapters) {
    ad.a.data.set(trained.get(`${ad.base}.lora_a`)?.data ?? []);
    ad.b.data.set(trained.get(`${ad.base}.lora_b`)?.data ?? []);
  }
  mergeLora(engine, gguf.weights, adapters, cfg.alpha / cfg.rank);
  const predicted = engine.logits(tokens, 1, tokens.length);

  // llama.cpp: the same base GGUF with the exported adapter applied.
  const llm = await openLlama({ modelPath: base, contextSize: 64 });
  t.after(() => llm.close());
  await llm.addLora(adapterPath, 1);
  await llm.resetContext();
  await llm.evalTokens([...tokens], { allLogits: true });
  const V = gguf.config.vocabSize;
  let diff = 0;
  let moved = 0;
  for (let i = 0; i < tokens.length; i++) {
    const got = llm.logitsAt(i);
    for (let v = 0; v < V; v++) {
      const at = i * V + v;
      diff = Math.max(diff, Math.abs((got[v] as number) - (predicted[at] as number)));
      moved = Math.max(moved, Math.abs((predicted[at] as number) - (baseLogits[at] as number)));
    }
  }
  assert.ok(moved > 0.05, `the adapter changes the logits (max change ${moved.toFixed(4)})`);
  assert.ok(
    diff < 1e-3,
    `llama.cpp's logits with the adapter match the engine's within 1e-3 (max diff ${diff.toExponential(2)})`,
  );
});

test("a LoRA run stopped mid-way resumes without redoing a step and ends with the uninterrupted run's adapters", async (t) => {
  const dir = tempDir(t);
  const base = join(dir, "base.gguf");
  writeRandomLlamaModel(base, { config: tinyLlamaConfig({ nLayers: 2 }), seed: 3 });
  const dataset = writeSftDataset(join(dir, "dataset"), { train: 12, val: 4 });
  const cfg = withLoraSchedule(
    resolveLoraConfig({
      base,
      dataset,
      rank: 2,
      epochs: 3,
      batchSize: 4,
      lr: 1e-2,
      warmupSteps: 1,
      earlyStoppingPatience: 0,
      maxPromptTokens: 120,
      maxTargetTokens: 64,
    }),
    3,
  );
  const r = await resumeVersusWhole(() => loraStage({ home: dir }), { config: cfg, root: dir, stopAt: 4 });
  assert.deepEqual(r.steps, [...Array(cfg.maxSteps).keys()]);
  const a = r.whole;
  const b = r.resumed;
  assert.ok(
    [...a.keys()].every((k) => k.endsWith(".lora_a") || k.endsWith(".lora_b")),
    "only adapters are trained and saved",
  );
  for (const [k, w] of a) assert.deepEqual(b.get(k)?.data, w.data, k);
});
