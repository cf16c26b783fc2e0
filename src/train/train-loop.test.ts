import assert from "node:assert/strict";
import { test } from "node:test";
import {
  clipGradNorm,
  createAdamW,
  createLlama,
  type LlamaModel,
  setNumThreads,
  type TokenBatch,
} from "../engine/index.js";
import { createBatchSampler, evalBatches } from "./batch-sampler.js";
import { initialEarlyStopping } from "./early-stopping.js";
import type { MetricsRecord } from "./metrics-log.js";
import { SYNTHETIC_MODEL } from "./synthetic-stage.js";
import { tokenLoss } from "./token-loss.js";
import { meanLoss, type TrainLoopConfig, trainLoop } from "./train-loop.js";

const cfg = { ...SYNTHETIC_MODEL, vocabSize: 64 };
const loopConfig: TrainLoopConfig = {
  lr: 1e-2,
  minLr: 1e-3,
  warmupSteps: 2,
  maxSteps: 6,
  gradAccum: 1,
  maxGradNorm: 1,
  evalEvery: 3,
  checkpointEvery: 3,
  sampleEvery: 0,
};
const stream = Int32Array.from({ length: 400 }, (_, i) => (i * 7 + (i >> 3)) % 64);

async function run(o: { B: number; gradAccum: number; mask?: (b: TokenBatch) => TokenBatch }) {
  setNumThreads(1);
  const model: LlamaModel = createLlama(cfg, { seed: 5 });
  const optimizer = createAdamW(model.params, { lr: 1e-2, beta1: 0.9, beta2: 0.95, eps: 1e-8, weightDecay: 0.1 });
  const sampler = createBatchSampler(stream, { B: o.B, T: 8, seed: 1 });
  const valBatches = evalBatches(stream, { B: 2, T: 8, count: 2 });
  const loss = tokenLoss(model);
  const records: MetricsRecord[] = [];
  const events: string[] = [];
  await trainLoop({
    config: { ...loopConfig, gradAccum: o.gradAccum },
    loss,
    nextBatch: () => (o.mask ? o.mask(sampler.next()) : sampler.next()),
    optimizer,
    clipGradNorm: (maxNorm) => clipGradNorm(model.params, maxNorm),
    zeroGrad: () => model.zeroGrad(),
    evaluate: async () => ({ "loss/val": meanLoss(loss, valBatches) }),
    startStep: 0,
    resumed: false,
    earlyStopping: {
      rule: { patience: 0, minDelta: 0, mode: "min" },
      metric: "loss/val",
      state: initialEarlyStopping(),
    },
    metrics: { path: "", write: (step, values) => records.push({ step, ...values }) },
    saveCheckpoint: async (step) => {
      events.push(`checkpoint ${step}`);
    },
    sample: async (step) => {
      events.push(`sample ${step}`);
    },
  });
  return { model, records, events };
}

test("checkpoints land on their steps (not the starting one) and at the end; eval before training", async () => {
  const { records, events } = await run({ B: 4, gradAccum: 1 });
  assert.deepEqual(events, ["checkpoint 3", "checkpoint 6", "sample 6"]);
  assert.deepEqual(
    records.map(
      (r) =>
        `${r.step}:${Object.keys(r)
          .filter((k) => k !== "step")
          .join(",")}`,
    ),
    [
      "0:loss/val",
      "0:loss/train,lr,grad/norm,perf/tokens_per_s,time/step_ms",
      "1:loss/train,lr,grad/norm,perf/tokens_per_s,time/step_ms",
      "2:loss/train,lr,grad/norm,perf/tokens_per_s,time/step_ms",
      "3:loss/val",
      "3:loss/train,lr,grad/norm,perf/tokens_per_s,time/step_ms",
      "4:loss/train,lr,grad/norm,perf/tokens_per_s,time/step_ms",
      "5:loss/train,lr,grad/norm,perf/tokens_per_s,time/step_ms",
      "6:loss/val",
    ],
  );
});

test("two accumulated micro-batches of 2 make the same step as one batch of 4", async () => {
  const a = await run({ B: 4, gradAccum: 1 });
  const b = await run({ B: 2, gradAccum: 2 });
  const la = a.records.filter((r) => "loss/train" in r).map((r) => r["loss/train"] as number);
  const lb = b.records.filter((r) => "loss/train" in r).map((r) => r["loss/train"] as number);
  la.forEach((x, i) => {
    assert.ok(Math.abs(x - (lb[i] as number)) < 1e-5, `step ${i}: ${x} vs ${lb[i]}`);
  });
  for (const [name, p] of a.model.params) {
    const q = b.model.params.get(name)!.data;
    let maxDiff = 0;
    for (let i = 0; i < p.data.length; i++)
      maxDiff = Math.max(maxDiff, Math.abs((p.data[i] as number) - (q[i] as number)));
    assert.ok(maxDiff < 1e-5, `${name} differs by ${maxDiff}`);
  }
});

test("with a loss mask the reported loss is the mean over counted tokens only", async () => {
  // Count only the second half of each sequence.
  const half = (b: TokenBatch): TokenBatch => ({
    ...b,
    mask: Float32Array.from({ length: b.B * b.T }, (_, i) => (i % b.T >= b.T / 2 ? 1 : 0)),
  });
  const { model, records } = await run({ B: 4, gradAccum: 1, mask: half });
  const first = records.find((r) => "loss/train" in r)!["loss/train"] as number;
  const fresh = createLlama(cfg, { seed: 5 });
  const batch = half(createBatchSampler(stream, { B: 4, T: 8, seed: 1 }).next());
  const { loss, lossTokens } = fresh.evalLoss(batch);
  assert.equal(lossTokens, 16);
  assert.ok(Math.abs(first - loss / lossTokens) < 1e-6, `${first} vs ${loss / lossTokens}`);
  assert.ok(model.params.size > 0);
});
