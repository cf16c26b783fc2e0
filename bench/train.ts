/**
 * Training speed of the engine against PyTorch on the same llama model (4 layers, d_model 256, 4 heads of 64,
 * vocab 4096, tied head, SwiGLU 688 by default) and the same batch shape, in the same run: `--runs` rounds, each
 * one fresh engine process (bench/train-engine.ts) and one fresh PyTorch process (bench/train_torch.py), in
 * alternating order, so load on the shared machine falls on both alike. Reports medians over the rounds: CPU time
 * per step first (process user + system time, steadier than wall time on a shared machine), then wall-clock
 * tokens/s (median step), GFLOP/s per CPU-second and its share of this machine's measured per-core FMA peak, and
 * the peak RSS of each process with what the training steps add to the high-water mark reached before them.
 *
 *   npx tsx bench/train.ts --context 1024 [--batch 2] [--layers 4] [--d-model 256] [--threads 2] [--runs 5]
 *       [--steps 5] [--checkpoint] [--python /path/to/python]
 *
 * --batch defaults to 2048 / context (tokens per step held equal across contexts). --checkpoint turns on the
 * engine's activation checkpointing per block (PyTorch runs without it). PyTorch is optional:
 * IDEASTEER_TORCH_PYTHON or --python names the interpreter; otherwise python3 is tried.
 */
import { spawnSync } from "node:child_process";
import os from "node:os";
import { kernels } from "../src/engine/index.js";
import { benchArg } from "./bench-arg.js";

const T = Number(benchArg("context", "128"));
const B = Number(benchArg("batch", String(Math.max(1, Math.floor(2048 / T)))));
const L = Number(benchArg("layers", "4"));
const D = Number(benchArg("d-model", "256"));
const threads = benchArg("threads", "2");
const runs = Number(benchArg("runs", "5"));
const steps = benchArg("steps", "5");
const python = benchArg("python", process.env.IDEASTEER_TORCH_PYTHON ?? "python3");
const shapeArgs = ["--context", T, "--batch", B, "--layers", L, "--d-model", D, "--threads", threads, "--steps", steps];
const args = shapeArgs.map(String);
const engineArgs = process.argv.includes("--checkpoint") ? [...args, "--checkpoint"] : args;

// stepMb: what the peak RSS adds to the high-water mark before the first step (activations, gradients, scratch).
type Run = { tokPerS: number; cpuSPerStep: number; maxRssMb: number; stepMb: number; label: string };

// Model FLOPs of one training step (forward + backward = 3x forward): 2 per multiply-add of every matrix product,
// with causal attention counted over the T(T+1)/2 (query, key) pairs it needs (QK^T and PV).
function stepFlops(): number {
  const V = 4096;
  const dFf = Math.round((D * 2.6875) / 8) * 8;
  const nH = D / 64;
  const tokens = B * T;
  const matmul = 2 * tokens * (L * (4 * D * D + 3 * D * dFf) + V * D);
  const attention = L * 2 * (2 * B * nH * ((T * (T + 1)) / 2) * 64);
  return 3 * (matmul + attention);
}

function parse(stdout: string): Record<string, number | string> {
  return JSON.parse(stdout.trim().split("\n").pop() ?? "{}") as Record<string, number | string>;
}

function engineRun(): Run {
  const script = new URL("./train-engine.ts", import.meta.url).pathname;
  const r = spawnSync(process.execPath, ["--import", "tsx", script, ...engineArgs], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`engine run failed: ${r.stderr.slice(-500)}`);
  const j = parse(r.stdout);
  return runOf(j, `engine (${j.isa}${j.checkpoint ? ", checkpointed" : ""})`);
}

/** One side's figures from the JSON line its child process printed (the same keys for both sides). */
const runOf = (j: Record<string, number | string>, label: string): Run => ({
  tokPerS: j.tok_per_s as number,
  cpuSPerStep: j.cpu_s_per_step as number,
  maxRssMb: j.max_rss_mb as number,
  stepMb: (j.max_rss_mb as number) - (j.rss_before_mb as number),
  label,
});

function torchRun(): Run | { error: string } {
  const script = new URL("./train_torch.py", import.meta.url).pathname;
  const r = spawnSync(python, [script, ...args], { encoding: "utf8" });
  if (r.error || r.status !== 0)
    return { error: (r.error?.message ?? r.stderr.trim().split("\n").pop() ?? "failed").slice(0, 200) };
  const j = parse(r.stdout);
  return runOf(j, `pytorch ${j.torch}`);
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}

const k = kernels();
const peak = k.fmaPeakGflops(k.cpuHasAvx512() ? "avx512" : "avx2", 0.3);
const flops = stepFlops();
const load0 = os.loadavg()[0] ?? 0;
console.log(
  `${new Date().toISOString()} model ${L} layers x d_model ${D}, batch ${B} x context ${T}, ${threads} threads, ` +
    `${runs} rounds of ${steps} timed steps; ${(flops / 1e9).toFixed(1)} GFLOP/step; per-core FMA peak ` +
    `${peak.toFixed(0)} GFLOP/s; load average ${load0.toFixed(1)} on ${os.availableParallelism()} cores`,
);
const engine: Run[] = [];
const torch: Run[] = [];
let torchError = "";
const show = (r: Run) =>
  `${r.label} ${(r.cpuSPerStep * 1000).toFixed(0)} ms CPU/step, ${r.tokPerS.toFixed(0)} tok/s, ${r.maxRssMb.toFixed(0)} MB RSS (+${r.stepMb.toFixed(0)} MB in steps)`;
for (let i = 0; i < runs; i++) {
  const order = i % 2 === 0 ? ["engine", "torch"] : ["torch", "engine"];
  const line: string[] = [];
  for (const who of order) {
    if (who === "engine") {
      const e = engineRun();
      engine.push(e);
      line.push(show(e));
    } else if (!torchError) {
      const t = torchRun();
      if ("error" in t) torchError = t.error;
      else {
        torch.push(t);
        line.push(show(t));
      }
    }
  }
  console.log(`round ${i + 1}: ${line.join(" | ")}`);
}

const summary = (rs: Run[]) => {
  const cpu = median(rs.map((r) => r.cpuSPerStep));
  const gflops = flops / cpu / 1e9;
  return (
    `${(cpu * 1000).toFixed(0)} ms CPU/step, ${median(rs.map((r) => r.tokPerS)).toFixed(0)} tok/s, ` +
    `${gflops.toFixed(1)} GFLOP/s per CPU-second (${((100 * gflops) / peak).toFixed(0)}% of peak), ` +
    `peak RSS ${median(rs.map((r) => r.maxRssMb)).toFixed(0)} MB, of which the steps add ` +
    `${median(rs.map((r) => r.stepMb)).toFixed(0)} MB`
  );
};
console.log(`engine  (median of ${engine.length}): ${summary(engine)}`);
if (torchError) console.log(`pytorch: n/a (${torchError})`);
else {
  console.log(`pytorch (median of ${torch.length}): ${summary(torch)}`);
  // Ratios within each round (engine and PyTorch ran back to back), then the median over rounds.
  const cpuRatio = median(engine.map((e, i) => (torch[i] as Run).cpuSPerStep / e.cpuSPerStep));
  const wallRatio = median(engine.map((e, i) => e.tokPerS / (torch[i] as Run).tokPerS));
  console.log(`engine / pytorch: ${cpuRatio.toFixed(2)}x by CPU time per step, ${wallRatio.toFixed(2)}x by wall time`);
}
console.log(`load average after: ${(os.loadavg()[0] ?? 0).toFixed(1)}`);
