/**
 * GEMM probe: GFLOP/s of the engine's native GEMM on the eight matrix shapes of a training step of the policy (and
 * of the reward models, which share its trunk): 2,048 tokens, d_model 256, SwiGLU 688, vocab 4096 — NT forward,
 * NN input gradient, TN weight gradient. 1 thread, best of 5 by process CPU time, on the AVX-512 path and on the
 * forced AVX2 path, each with its share of the measured per-core FMA peak of that instruction set; beside PyTorch's
 * addmm_ on the same shapes when a Python with torch is found (IDEASTEER_TORCH_PYTHON or --python, else python3).
 *
 *   npx tsx bench/gemm.ts [--python /path/to/python]
 */
import { spawnSync } from "node:child_process";
import os from "node:os";
// The probe measures the backend itself, so it reaches past src/engine/index.ts to the kernels directly.
import { type Isa, kernels } from "../src/engine/index.js";
import { benchArg } from "./bench-arg.js";

const M = 2048;
const SHAPES: [boolean, boolean, number, number, number][] = [
  [false, true, M, 256, 256],
  [false, true, M, 688, 256],
  [false, true, M, 4096, 256],
  [false, false, M, 256, 688],
  [false, false, M, 256, 4096],
  [true, false, 256, 256, M],
  [true, false, 688, 256, M],
  [true, false, 4096, 256, M],
];
const python = benchArg("python", process.env.IDEASTEER_TORCH_PYTHON ?? "python3");
const label = ([tA, tB, m, n, kk]: (typeof SHAPES)[number]) => `${tA ? "T" : "N"}${tB ? "T" : "N"} ${m}x${n}x${kk}`;
const k = kernels();

function engine(isa: Isa): number[] {
  k.setNumThreads(1);
  k.setIsa(isa);
  return SHAPES.map(([tA, tB, m, n, kk]) => {
    const A = Float32Array.from({ length: m * kk }, () => Math.random() - 0.5);
    const B = Float32Array.from({ length: kk * n }, () => Math.random() - 0.5);
    const C = new Float32Array(m * n);
    const lda = tA ? m : kk;
    const ldb = tB ? kk : n;
    const reps = Math.max(3, Math.round(5e8 / (2 * m * n * kk)));
    let best = Number.POSITIVE_INFINITY;
    for (let round = 0; round < 5; round++) {
      const c0 = process.cpuUsage();
      for (let r = 0; r < reps; r++) k.gemm(tA, tB, m, n, kk, 1, A, lda, B, ldb, 1, C, n);
      const c = process.cpuUsage(c0);
      best = Math.min(best, (c.user + c.system) / 1e6);
    }
    return (2 * m * n * kk * reps) / best / 1e9;
  });
}

const TORCH = `
import json, time, torch
torch.set_num_threads(1)
out = []
for tA, tB, M, N, K in json.loads(${JSON.stringify(JSON.stringify(SHAPES))}):
    a = torch.randn(K, M).t() if tA else torch.randn(M, K)
    b = torch.randn(N, K).t() if tB else torch.randn(K, N)
    c = torch.zeros(M, N)
    reps = max(3, round(5e8 / (2 * M * N * K)))
    best = 1e9
    for _ in range(5):
        t0 = time.process_time()
        for _ in range(reps): c.addmm_(a, b)
        best = min(best, time.process_time() - t0)
    out.append(2 * M * N * K * reps / best / 1e9)
print(json.dumps({"gflops": out, "torch": torch.__version__}))
`;

function torch(): { gflops: number[]; torch: string } | null {
  const r = spawnSync(python, ["-c", TORCH], { encoding: "utf8" });
  if (r.error || r.status !== 0) return null;
  return JSON.parse(r.stdout.trim().split("\n").pop() ?? "null") as { gflops: number[]; torch: string };
}

const isas: Isa[] = k.cpuHasAvx512() ? ["avx512", "avx2"] : ["avx2"];
const peak = Object.fromEntries(isas.map((isa) => [isa, k.fmaPeakGflops(isa, 0.3)])) as Record<Isa, number>;
console.log(
  `${new Date().toISOString()} load average ${os.loadavg()[0]?.toFixed(1)}; per-core FMA peak ` +
    isas.map((isa) => `${isa} ${peak[isa].toFixed(0)}`).join(", ") +
    " GFLOP/s",
);
const ours = Object.fromEntries(isas.map((isa) => [isa, engine(isa)])) as Record<Isa, number[]>;
k.setIsa(isas[0] as Isa);
const theirs = torch();
const pct = (g: number, isa: Isa) => `${g.toFixed(1)} (${((100 * g) / peak[isa]).toFixed(0)}%)`;
for (const [j, s] of SHAPES.entries()) {
  const cols = isas.map((isa) => `${isa} ${pct(ours[isa][j] as number, isa)}`);
  if (theirs) cols.push(`pytorch ${(theirs.gflops[j] as number).toFixed(1)}`);
  console.log(`${label(s).padEnd(20)} ${cols.join(" | ")} GFLOP/s`);
}
const mean = (xs: number[]) => xs.length / xs.reduce((a, x) => a + 1 / x, 0); // harmonic: equal work per shape
const overall = isas.map((isa) => `${isa} ${pct(mean(ours[isa]), isa)}`);
if (theirs) overall.push(`pytorch ${theirs.torch} ${mean(theirs.gflops).toFixed(1)}`);
console.log(`overall (harmonic mean) ${overall.join(" | ")} GFLOP/s; % of that instruction set's peak`);
