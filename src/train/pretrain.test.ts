import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { XMLValidator } from "fast-xml-parser";
import type { Token } from "node-llama-cpp";
import { silentLogger } from "../core/index.js";
import { createLlama, loadLlamaWeights } from "../engine/index.js";
import { hasSharedData, interruptPretrain, SHARED_DATA } from "../testing/index.js";
import { loadCheckpoint } from "./checkpoint.js";
import { exportGguf } from "./export-gguf.js";
import { metricSeries, readMetrics } from "./metrics-log.js";
import { type PretrainResult, pretrain } from "./pretrain.js";
import { type PretrainOverrides, resolvePretrainConfig } from "./pretrain-config.js";

const SKIP = hasSharedData() ? false : `../shared/data not found at ${SHARED_DATA}`;
// Long enough that a child killed right after its first checkpoint is still mid-run.
const OVERRIDES: PretrainOverrides = {
  maxSteps: 120,
  evalEvery: 10,
  checkpointEvery: 20,
  keepCheckpoints: 20,
  sampleEvery: 60,
};

let home = "";
let reference: PretrainResult;

after(() => {
  if (home) rmSync(home, { recursive: true, force: true });
});

before(async () => {
  if (SKIP) return;
  home = mkdtempSync(join(tmpdir(), "ideasteer-pretrain-"));
  reference = await pretrain({
    config: resolvePretrainConfig("tiny", OVERRIDES),
    home,
    dataDir: SHARED_DATA,
    log: silentLogger,
  });
});

test("tiny pretraining writes config, metrics, samples and checkpoints, and learns", { skip: SKIP }, () => {
  const { runDir } = reference;
  assert.match(runDir, /runs\/pretrain-\d{8}-\d{6}(-\d+)?$/);
  const cfg = JSON.parse(readFileSync(join(runDir, "config.json"), "utf8"));
  assert.equal(cfg.maxSteps, 120);
  const m = readMetrics(join(runDir, "metrics.jsonl"));
  const train = metricSeries(m, "loss/train");
  const val = metricSeries(m, "loss/val");
  assert.equal(train.length, 120);
  assert.deepEqual(
    val.map(([s]) => s),
    Array.from({ length: 13 }, (_, i) => i * 10),
  );
  for (const k of ["lr", "grad/norm", "perf/tokens_per_s", "time/step_ms"])
    assert.equal(metricSeries(m, k).length, 120, k);
  const first = val[0]?.[1] as number;
  const last = val[val.length - 1]?.[1] as number;
  assert.ok(first > Math.log(384) - 0.5, `initial loss ${first} should be near uniform, ln(384) = ${Math.log(384)}`);
  assert.ok(last < first - 0.8, `loss/val should fall by > 0.8 nats: ${first} -> ${last}`);
  assert.ok(reference.perplexity < 384 / 2 && Number.isFinite(reference.bigramPerplexity));
  assert.ok(Math.abs(Math.log(reference.perplexity) - reference.lossVal) < 1e-9);
  assert.equal(reference.samples.length, 3);
  for (const s of reference.samples) assert.ok(s.text.startsWith(s.prompt) && s.text.length > s.prompt.length);
  const steps = readdirSync(join(runDir, "checkpoints")).filter((n) => n.startsWith("step-"));
  assert.equal(steps.length, 6); // 20, 40, ... 120
  assert.equal(loadCheckpoint(runDir).step, 120);
});

test("a run killed with SIGKILL after a checkpoint and resumed gives the same loss curve", { skip: SKIP }, async () => {
  const {
    runDir: killedRun,
    signal,
    stderr,
  } = await interruptPretrain({
    home,
    overrides: OVERRIDES,
    signal: "SIGKILL",
    skipRun: reference.runDir,
  });
  assert.equal(signal, "SIGKILL", `the child should have been killed mid-run; it exited on its own. stderr: ${stderr}`);
  const killedMetrics = readMetrics(join(killedRun, "metrics.jsonl"));
  assert.ok(metricSeries(killedMetrics, "loss/train").length < 120, "killed before the end");

  const resumed = await pretrain({ resume: killedRun, home, dataDir: SHARED_DATA, log: silentLogger });
  const a = readMetrics(join(reference.runDir, "metrics.jsonl"));
  const b = readMetrics(join(resumed.runDir, "metrics.jsonl"));
  for (const key of ["loss/train", "loss/val", "grad/norm", "lr"]) {
    const x = metricSeries(a, key);
    const y = metricSeries(b, key);
    assert.deepEqual(
      y.map(([s]) => s),
      x.map(([s]) => s),
      `${key}: same steps`,
    );
    x.forEach(([s, v], i) => {
      const w = (y[i] as [number, number])[1];
      assert.ok(Math.abs(v - w) <= 1e-6, `${key} at step ${s}: uninterrupted ${v}, resumed ${w}`);
    });
  }
  assert.ok(Math.abs(resumed.perplexity - reference.perplexity) < 1e-4);
});

test("the exported GGUF loads in node-llama-cpp and greedy generation matches the engine's", {
  skip: SKIP,
}, async () => {
  const ck = loadCheckpoint(reference.runDir);
  const out = join(home, "tiny.gguf");
  const r = exportGguf({ checkpoint: reference.runDir, out, type: "f32" });
  assert.equal(r.step, 120);
  const model = createLlama(ck.llamaConfig, { seed: 0 });
  loadLlamaWeights(model, new Map([...ck.weights].map(([k, t]) => [k, t.data])));
  const { getLlama, LlamaLogLevel } = await import("node-llama-cpp");
  const llama = await getLlama({ gpu: false, build: "never", logLevel: LlamaLogLevel.error });
  const lm = await llama.loadModel({ modelPath: out });
  const ctx = await lm.createContext({
    contextSize: ck.llamaConfig.contextLength,
    flashAttention: false,
    experimentalKvCacheKeyType: "F32",
    experimentalKvCacheValueType: "F32",
    threads: 1, // ggml's worker threads spin; with the 2 cores shared, 2 threads run many times slower
  });
  try {
    const { loadTokenizer } = await import("../engine/index.js");
    const tok = loadTokenizer(ck.tokenizerPath);
    for (const text of ["Title:", "Title: Deep", "Abstract: We propose"]) {
      const prompt = [tok.tokenId("<|paper|>"), ...tok.encode(text)];
      const n = ck.llamaConfig.contextLength - prompt.length;
      const ours = model.generate(prompt, { maxTokens: n, temperature: 0 });
      const seq = ctx.getSequence();
      const theirs: number[] = [];
      for await (const t of seq.evaluate(prompt as Token[], { temperature: 0 })) {
        theirs.push(t);
        if (theirs.length >= ours.length) break;
      }
      seq.dispose();
      assert.deepEqual(theirs, ours, `greedy continuation of ${JSON.stringify(text)}`);
    }
  } finally {
    await ctx.dispose();
    await lm.dispose();
  }
});

test("train plot renders the run's curves as SVG", { skip: SKIP }, async () => {
  const { main } = await import("../cli/index.js");
  const out = join(home, "curves.svg");
  // Not the exit code: node:test sets process.exitCode when another test fails, and main() reports it.
  await main(["node", "ideasteer", "--home", home, "train", "plot", reference.runDir, "--out", out]);
  const svg = readFileSync(out, "utf8");
  assert.equal(XMLValidator.validate(svg), true);
  for (const k of ["loss/train", "loss/val", "lr"]) assert.ok(svg.includes(`data-key="${k}"`), k);
});

test("f16 and q8_0 exports keep the config and approximate the weights", { skip: SKIP }, async () => {
  const { readLlamaGguf } = await import("../engine/index.js");
  const ck = loadCheckpoint(reference.runDir);
  const sizes: Record<string, number> = {};
  for (const [type, tol] of [
    ["f32", 0],
    ["f16", 1e-3],
    ["q8_0", 1e-2],
  ] as const) {
    const out = join(home, `tiny-${type}.gguf`);
    sizes[type] = exportGguf({ checkpoint: ck.dir, out, type }).bytes;
    const back = readLlamaGguf(out);
    assert.deepEqual(back.config, ck.llamaConfig);
    for (const [name, t] of ck.weights) {
      const w = back.weights.get(name)!;
      let maxAbs = 0;
      let maxErr = 0;
      for (let i = 0; i < w.length; i++) {
        maxAbs = Math.max(maxAbs, Math.abs(t.data[i] as number));
        maxErr = Math.max(maxErr, Math.abs((w[i] as number) - (t.data[i] as number)));
      }
      assert.ok(maxErr <= tol * Math.max(1, maxAbs), `${type} ${name}: max error ${maxErr} (max |w| ${maxAbs})`);
    }
  }
  assert.ok((sizes.f16 as number) < (sizes.f32 as number) && (sizes.q8_0 as number) < (sizes.f16 as number));
});
