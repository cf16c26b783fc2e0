/**
 * The engine's side of bench/train.ts, run in a fresh process so its peak RSS is its own: trains a llama model of
 * the given shape for warm-up + timed steps (forward + backward + clip + AdamW) and prints one JSON line, as
 * bench/train_torch.py does for PyTorch.
 *
 *   npx tsx bench/train-engine.ts --context 1024 --batch 2 --layers 4 --d-model 256 --threads 2 --steps 5
 *       [--checkpoint]
 */
import { createRng } from "../src/core/index.js";
import {
  clipGradNorm,
  createAdamW,
  createLlama,
  getIsa,
  type LlamaConfig,
  setNumThreads,
} from "../src/engine/index.js";
import { benchArg } from "./bench-arg.js";

const T = Number(benchArg("context", "128"));
const B = Number(benchArg("batch", "8"));
const threads = Number(benchArg("threads", "2"));
const steps = Number(benchArg("steps", "5"));
const warmup = Number(benchArg("warmup", "2"));
const dModel = Number(benchArg("d-model", "256"));
const checkpoint = process.argv.includes("--checkpoint"); // activation checkpointing per block
const config: LlamaConfig = {
  vocabSize: 4096,
  dModel,
  nLayers: Number(benchArg("layers", "4")),
  nHeads: dModel / 64,
  nKvHeads: dModel / 64,
  dFf: Math.round((dModel * 2.6875) / 8) * 8, // 688 at d_model 256: param-matched to a 4x GELU MLP
  contextLength: T,
  ropeTheta: 10000,
  normEps: 1e-5,
  tiedEmbeddings: true,
};

setNumThreads(threads);
const model = createLlama(config, { seed: 1 });
const opt = createAdamW(model.params, { lr: 3e-4, beta1: 0.9, beta2: 0.95, eps: 1e-8, weightDecay: 0.1 });
const rng = createRng(2);
const tokens = Int32Array.from({ length: B * T }, () => rng.int(config.vocabSize));
const targets = Int32Array.from({ length: B * T }, () => rng.int(config.vocabSize));
// The high-water mark before any step (runtime, model, optimizer state): the training step's own memory is what
// the peak adds to it.
const rssBeforeMb = process.resourceUsage().maxRSS / 1024;
let loss = 0;
const step = () => {
  loss = model.lossAndGrad({ tokens, targets, B, T }, { gradScale: 1 / (B * T), checkpoint }).loss / (B * T);
  clipGradNorm(model.params, 1);
  opt.step();
  model.zeroGrad();
};
for (let i = 0; i < warmup; i++) step();
const c0 = process.cpuUsage();
const stepS: number[] = [];
for (let i = 0; i < steps; i++) {
  const t0 = performance.now();
  step();
  stepS.push((performance.now() - t0) / 1000);
}
const c = process.cpuUsage(c0);
stepS.sort((a, b) => a - b);
// The median step: on a shared machine a few steps lose their time slice, and the mean would measure that.
const m = stepS.length >> 1;
const median = stepS.length % 2 ? (stepS[m] as number) : ((stepS[m - 1] as number) + (stepS[m] as number)) / 2;
console.log(
  JSON.stringify({
    tok_per_s: (B * T) / median,
    cpu_s_per_step: (c.user + c.system) / 1e6 / steps,
    max_rss_mb: process.resourceUsage().maxRSS / 1024,
    rss_before_mb: rssBeforeMb,
    loss,
    isa: getIsa(),
    checkpoint,
  }),
);
