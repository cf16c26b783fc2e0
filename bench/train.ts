/**
 * Training throughput of the engine on the reference model (llama architecture, 4 layers, d_model 256, 4 heads,
 * context 128, vocab 4096, tied head, SwiGLU width 688 (param-matched to a 4x GELU MLP), batch 8): tokens/s of
 * forward + backward + AdamW (median step time), at 1 and 2 threads, beside PyTorch running the same model, batch and thread counts
 * in the same run (bench/train_torch.py) when a Python with torch is found.
 *
 *   npx tsx bench/train.ts [--steps 10] [--threads 1,2] [--python /path/to/python]
 *
 * PyTorch is optional: IDEASTEER_TORCH_PYTHON or --python names the interpreter; otherwise python3 is tried.
 */
import { spawnSync } from "node:child_process";
import os from "node:os";
import { createRng } from "../src/core/index.js";
import { clipGradNorm, createAdamW, createLlama, type LlamaConfig, setNumThreads } from "../src/engine/index.js";
import { benchArg } from "./bench-arg.js";

const steps = Number(benchArg("steps", "10"));
const threadCounts = benchArg("threads", "1,2").split(",").map(Number);
const python = benchArg("python", process.env.IDEASTEER_TORCH_PYTHON ?? "python3");

export const REFERENCE: LlamaConfig = {
  vocabSize: 4096,
  dModel: 256,
  nLayers: 4,
  nHeads: 4,
  nKvHeads: 4,
  dFf: 688,
  contextLength: 128,
  ropeTheta: 10000,
  normEps: 1e-5,
  tiedEmbeddings: true,
};
const B = 8;
const T = 128;
const WARMUP = 2;

type Measured = { tokPerS: number; cpuSPerStep: number };

function engineTokensPerS(threads: number): Measured & { loss: number } {
  setNumThreads(threads);
  const model = createLlama(REFERENCE, { seed: 1 });
  const opt = createAdamW(model.params, { lr: 3e-4, beta1: 0.9, beta2: 0.95, eps: 1e-8, weightDecay: 0.1 });
  const rng = createRng(2);
  const tokens = Int32Array.from({ length: B * T }, () => rng.int(REFERENCE.vocabSize));
  const targets = Int32Array.from({ length: B * T }, () => rng.int(REFERENCE.vocabSize));
  let loss = 0;
  const step = () => {
    loss = model.lossAndGrad({ tokens, targets, B, T }, { gradScale: 1 / (B * T) }).loss / (B * T);
    clipGradNorm(model.params, 1);
    opt.step();
    model.zeroGrad();
  };
  for (let i = 0; i < WARMUP; i++) step();
  const c0 = process.cpuUsage();
  const stepS: number[] = [];
  for (let i = 0; i < steps; i++) {
    const t0 = performance.now();
    step();
    stepS.push((performance.now() - t0) / 1000);
  }
  const c = process.cpuUsage(c0);
  return { tokPerS: (B * T) / median(stepS), cpuSPerStep: (c.user + c.system) / 1e6 / steps, loss };
}

// The median step: on a shared machine a few steps lose their time slice, and the mean would measure that.
function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}

function torchTokensPerS(threads: number): (Measured & { version: string }) | { error: string } {
  const script = new URL("./train_torch.py", import.meta.url).pathname;
  const r = spawnSync(
    python,
    [script, "--threads", String(threads), "--steps", String(steps), "--warmup", String(WARMUP)],
    {
      encoding: "utf8",
    },
  );
  if (r.error || r.status !== 0)
    return { error: (r.error?.message ?? r.stderr.trim().split("\n").pop() ?? "failed").slice(0, 200) };
  const line = r.stdout.trim().split("\n").pop() ?? "{}";
  const j = JSON.parse(line) as { tok_per_s: number; cpu_s_per_step: number; torch: string };
  return { tokPerS: j.tok_per_s, cpuSPerStep: j.cpu_s_per_step, version: j.torch };
}

const loadBefore = os.loadavg()[0] ?? 0;
console.log(
  `reference model, batch ${B}x${T}, ${steps} timed steps after ${WARMUP} warm-up; load average ${loadBefore.toFixed(1)} on ${os.availableParallelism()} cores`,
);
const best = { engine: { tokPerS: 0, threads: 0 }, torch: { tokPerS: 0, threads: 0 } };
for (const th of threadCounts) {
  const e = engineTokensPerS(th);
  const t = torchTokensPerS(th);
  if (e.tokPerS > best.engine.tokPerS) best.engine = { tokPerS: e.tokPerS, threads: th };
  if (!("error" in t) && t.tokPerS > best.torch.tokPerS) best.torch = { tokPerS: t.tokPerS, threads: th };
  const cpu = (m: Measured) => `${(m.cpuSPerStep * 1000).toFixed(0)} ms CPU/step`;
  if ("error" in t) {
    console.log(`threads ${th}: engine ${e.tokPerS.toFixed(0)} tok/s (${cpu(e)}) | pytorch n/a (${t.error})`);
    continue;
  }
  console.log(
    `threads ${th}: engine ${e.tokPerS.toFixed(0)} tok/s (${cpu(e)}) | pytorch ${t.version} ${t.tokPerS.toFixed(0)} tok/s ` +
      `(${cpu(t)}) | ratio ${(e.tokPerS / t.tokPerS).toFixed(2)}x wall, ${(t.cpuSPerStep / e.cpuSPerStep).toFixed(2)}x CPU`,
  );
}
if (best.torch.threads > 0)
  console.log(
    `best thread count of each: engine ${best.engine.tokPerS.toFixed(0)} tok/s (${best.engine.threads} threads) vs ` +
      `pytorch ${best.torch.tokPerS.toFixed(0)} tok/s (${best.torch.threads} threads): ratio ` +
      `${(best.engine.tokPerS / best.torch.tokPerS).toFixed(2)}x`,
  );
console.log(
  `load average after: ${(os.loadavg()[0] ?? 0).toFixed(1)} (other processes share the cores: re-run at a quiet moment)`,
);
