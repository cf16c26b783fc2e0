import assert from "node:assert/strict";
import { copyFileSync, existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { silentLogger } from "../core/index.js";
import {
  createLlama,
  loadLlamaWeights,
  loadTokenizer,
  readLlamaGguf,
  tensor,
  tokenLogProbs,
  writeLlamaGguf,
} from "../engine/index.js";
import { DIMENSIONS } from "../idea/index.js";
import { isLocalModel, openLlama } from "../llm/index.js";
import { readControlVectorGguf, writeControlVectorGguf } from "../steer/index.js";
import { resumeVersusWhole, tempDir, writeSftDataset, writeTinyBaseModel } from "../testing/index.js";
import { readMetrics, resolveRlConfig, rlStage, train, trainRl } from "./index.js";

async function fixture(t: import("node:test").TestContext) {
  const dir = tempDir(t);
  const { modelDir } = await writeTinyBaseModel(join(dir, "policy"));
  const dataset = writeSftDataset(join(dir, "dataset"), { train: 12, val: 4 });
  const config = resolveRlConfig({
    init: modelDir,
    dataset,
    prompts: 2,
    groupSize: 3,
    maxPromptTokens: 40,
    maxNewTokens: 20,
    maxSteps: 4,
    warmupSteps: 0,
    lr: 1e-2,
    minLr: 1e-3,
    evalEvery: 2,
    checkpointEvery: 2,
    sampleEvery: 2,
    evalPapers: 2,
    minDistinct2: 0,
    requireLayout: false, // a tiny untrained model never writes the layout: every reward would be 0
    controllerScale: 1,
    seed: 7,
  });
  return { dir, modelDir, config };
}

test("train rl: rollouts scored by the reward models, controllers learned, metrics logged, policy and control vectors exported", async (t) => {
  const { dir, config } = await fixture(t);
  const out = join(dir, "out");
  // The engine's own sampler here (the default); the resume test below samples through llama.cpp.
  const r = await trainRl({
    config,
    home: dir,
    out,
    command: "test",
    log: silentLogger,
  });
  const rows = readMetrics(join(r.runDir, "metrics.jsonl"));
  const steps = rows.filter((x) => x["loss/train"] !== undefined);
  assert.equal(steps.length, 4);
  for (const s of steps) {
    for (const d of DIMENSIONS) assert.ok(Number.isFinite(s[`reward/${d}`]), `reward/${d} logged`);
    for (const k of [
      "reward/weighted",
      "rl/kl",
      "rollout/length",
      "rollout/distinct2",
      "rollout/degenerate",
      "rollout/out_of_layout",
    ])
      assert.ok(Number.isFinite(s[k]), `${k} logged`);
  }
  assert.ok((steps[3]?.["rl/kl"] as number) > 0, "the policy moved away from its reference");
  assert.ok(
    rows.some((x) => Number.isFinite(x["rl/val_weighted_reward"])),
    "evaluation on held-out papers",
  );
  assert.ok(existsSync(join(r.runDir, "samples.jsonl")));

  assert.ok(existsSync(join(out, "model.gguf")) && existsSync(join(out, "tokenizer.json")));
  for (const d of DIMENSIONS) {
    const layers = readControlVectorGguf(join(out, "controllers", `${d}.gguf`));
    assert.equal(layers[0], undefined, "layer 0 is not steered");
    const norm = Math.hypot(...(layers[1] as Float32Array));
    assert.ok(norm > 0, `${d}: the controller learned a direction from zero`);
  }
});

test("train rl resumes from its checkpoint: the same rollouts, the same weights, no step run twice", async (t) => {
  const { dir, config } = await fixture(t);
  const r = await resumeVersusWhole(() => rlStage({ home: dir }), {
    config: resolveRlConfig({ ...config, rollouts: "llama" }),
    root: join(dir, "runs"),
    stopAt: 2,
  });
  assert.deepEqual(r.steps, [0, 1, 2, 3]);
  for (const [name, w] of r.whole) assert.deepEqual(r.resumed.get(name)?.data, w.data, name);
});

test("llama.cpp with a control vector and the engine with the same steering agree on every token's log-probability", async (t) => {
  const { modelDir } = await fixture(t);
  const gguf = readLlamaGguf(join(modelDir, "model.gguf"));
  const engine = createLlama(gguf.config, { seed: 1 });
  loadLlamaWeights(engine, gguf.weights);
  const tok = loadTokenizer(join(modelDir, "tokenizer.json"));
  const tokens = tok.encode("<|paper|>Title: graph networks for molecules<|idea|>Title: message passing");
  const D = gguf.config.dModel;
  const v = Float32Array.from({ length: D }, (_, j) => Math.sin(j + 1) * 0.5);
  const steerLayers = [undefined, v];

  const backend = await openLlama({ modelPath: join(modelDir, "model.gguf"), contextSize: 96 });
  t.after(() => backend.close());
  assert.ok(isLocalModel(backend));
  backend.setControlVector(steerLayers, 1);
  await backend.resetContext();
  await backend.evalTokens(tokens, { allLogits: true });
  const T = tokens.length;
  const targets = Int32Array.from(tokens.slice(1));
  const fromLlamaCpp = Array.from({ length: T - 1 }, (_, i) => {
    const l = backend.logitsAt(i);
    const m = Math.max(...l);
    const lse = m + Math.log(l.reduce((a, x) => a + Math.exp(x - m), 0));
    return (l[targets[i] as number] as number) - lse;
  });
  const steer = steerLayers.map((s) => (s ? tensor(s, [D]) : undefined));
  const logits = engine.forward(Int32Array.from(tokens.slice(0, -1)), 1, T - 1, { grad: false, steer });
  const fromEngine = tokenLogProbs(logits, targets).data;
  const unsteered = tokenLogProbs(
    engine.forward(Int32Array.from(tokens.slice(0, -1)), 1, T - 1, { grad: false }),
    targets,
  ).data;
  let maxDiff = 0;
  let steerEffect = 0;
  fromLlamaCpp.forEach((x, i) => {
    maxDiff = Math.max(maxDiff, Math.abs(x - (fromEngine[i] as number)));
    steerEffect = Math.max(steerEffect, Math.abs(x - (unsteered[i] as number)));
  });
  assert.ok(maxDiff < 1e-3, `max |Δ log p| ${maxDiff}`);
  assert.ok(steerEffect > 1e-2, `the control vector changes the log-probabilities (${steerEffect})`);
});

test("with one update per batch, sentence credit (macro actions) trains exactly as sequence credit does", async (t) => {
  const { dir, config } = await fixture(t);
  const short = { ...config, maxSteps: 2, evalEvery: 2, checkpointEvery: 2, sampleEvery: 0 };
  const run = (credit: "sequence" | "sentence") =>
    train(rlStage({ home: dir }), {
      config: resolveRlConfig({ ...short, credit }),
      runsRoot: join(dir, credit),
      log: silentLogger,
    });
  const [a, b] = [await run("sequence"), await run("sentence")];
  for (const [name, p] of a.parts.model.params) {
    const q = b.parts.model.params.get(name)?.data as Float32Array;
    let maxDiff = 0;
    p.data.forEach((x, i) => {
      maxDiff = Math.max(maxDiff, Math.abs(x - (q[i] as number)));
    });
    assert.ok(maxDiff < 1e-5, `${name}: ${maxDiff}`);
  }
});

test("train rl --controllers-init starts from a set's directions at its strength; --reference and --kl-steered set what the KL holds to", async (t) => {
  const { dir, modelDir, config } = await fixture(t);
  // A controller set as `steer extract` writes it: one direction per layer from 1, and its strength at weight 1.
  const D = readLlamaGguf(join(modelDir, "model.gguf")).config.dModel;
  const set = join(dir, "contrast");
  mkdirSync(set);
  const source = DIMENSIONS.map((_, k) => Float32Array.from({ length: D }, (_, j) => Math.sin(j + 3 * k + 1)));
  DIMENSIONS.forEach((d, k) => {
    writeControlVectorGguf(join(set, `${d}.gguf`), [undefined, source[k]], { modelHint: "test" });
  });
  writeFileSync(join(set, "controllers.json"), JSON.stringify({ epsMax: 0.5 }));
  // A reference unlike the init policy (its weights scaled), with the same shape and tokenizer.
  const ref = join(dir, "reference");
  mkdirSync(ref);
  const g = readLlamaGguf(join(modelDir, "model.gguf"));
  const tok = loadTokenizer(join(modelDir, "tokenizer.json"));
  const weights = new Map([...g.weights].map(([k, v]) => [k, v.map((x) => x * 1.5)]));
  writeLlamaGguf(join(ref, "model.gguf"), {
    config: g.config,
    weights,
    tokenizer: tok.toGgufTokenizer(),
    fileType: "F32",
  });
  copyFileSync(join(modelDir, "tokenizer.json"), join(ref, "tokenizer.json"));

  const run = async (name: string, extra: Partial<typeof config>) => {
    const out = join(dir, name);
    const r = await trainRl({
      config: resolveRlConfig({ ...config, maxSteps: 1, lr: 1e-7, minLr: 1e-8, evalEvery: 1, ...extra }),
      home: dir,
      out,
      command: "test",
      log: silentLogger,
    });
    const kl = readMetrics(join(r.runDir, "metrics.jsonl")).find((x) => x["rl/kl"] !== undefined)?.["rl/kl"];
    return { out, kl: kl as number };
  };
  const started = await run("started", { controllersInit: set, epsMax: 1 });
  for (const [k, d] of DIMENSIONS.entries()) {
    // Exported in the units eps multiplies with rl-config's eps-max 1: 0.5 · u, steering as the set did.
    const v = readControlVectorGguf(join(started.out, "controllers", `${d}.gguf`))[1] as Float32Array;
    const u = source[k] as Float32Array;
    const off = Math.max(...v.map((x, j) => Math.abs(x - 0.5 * (u[j] as number))));
    assert.ok(off < 1e-3, `${d}: ${off} from 0.5 · the set's direction`);
  }
  assert.ok(started.kl > 1e-3, `the unsteered reference charges the steering at step 0: ${started.kl}`);
  const steeredKl = await run("steered-kl", { controllersInit: set, epsMax: 1, klSteered: true });
  assert.ok(Math.abs(steeredKl.kl) < 1e-6, `a reference steered alike charges nothing at step 0: ${steeredKl.kl}`);
  const referenced = await run("referenced", { reference: ref });
  assert.ok(referenced.kl > 1e-3, `KL to a reference unlike the policy at step 0: ${referenced.kl}`);
  const plain = await run("plain", {});
  assert.ok(Math.abs(plain.kl) < 1e-6, `KL to the init policy itself at step 0: ${plain.kl}`);
  const zero = readControlVectorGguf(join(plain.out, "controllers", "novelty.gguf"))[1] as Float32Array;
  assert.ok(Math.hypot(...zero) < 1e-3, "without --controllers-init the controllers start at zero");
});
