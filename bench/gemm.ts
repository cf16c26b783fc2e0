/**
 * GEMM probe: GFLOP/s of the engine's native GEMM on the eight matrix shapes of a reference-model training step
 * (NT forward, NN input gradient, TN weight gradient), 1 thread, best of 5 by process CPU time, beside PyTorch's
 * addmm_ on the same shapes when a Python with torch is found (IDEASTEER_TORCH_PYTHON or --python, else python3).
 *
 *   npx tsx bench/gemm.ts [--python /path/to/python]
 */
import { spawnSync } from "node:child_process";
// The probe measures the backend itself, so it reaches past src/engine/index.ts to the kernels directly.
import { kernels } from "../src/engine/index.js";

const SHAPES: [boolean, boolean, number, number, number][] = [
  [false, true, 1024, 256, 256],
  [false, true, 1024, 688, 256],
  [false, true, 1024, 4096, 256],
  [false, false, 1024, 256, 688],
  [false, false, 1024, 256, 4096],
  [true, false, 256, 256, 1024],
  [true, false, 688, 256, 1024],
  [true, false, 4096, 256, 1024],
];
const i = process.argv.indexOf("--python");
const python = i >= 0 ? (process.argv[i + 1] ?? "python3") : (process.env.IDEASTEER_TORCH_PYTHON ?? "python3");
const label = ([tA, tB, M, N, K]: (typeof SHAPES)[number]) => `${tA ? "T" : "N"}${tB ? "T" : "N"} ${M}x${N}x${K}`;

function engine(): number[] {
  const k = kernels();
  k.setNumThreads(1);
  return SHAPES.map(([tA, tB, M, N, K]) => {
    const A = Float32Array.from({ length: M * K }, () => Math.random() - 0.5);
    const B = Float32Array.from({ length: K * N }, () => Math.random() - 0.5);
    const C = new Float32Array(M * N);
    const lda = tA ? M : K;
    const ldb = tB ? K : N;
    const reps = Math.max(3, Math.round(5e8 / (2 * M * N * K)));
    let best = Number.POSITIVE_INFINITY;
    for (let round = 0; round < 5; round++) {
      const c0 = process.cpuUsage();
      for (let r = 0; r < reps; r++) k.gemm(tA, tB, M, N, K, 1, A, lda, B, ldb, 1, C, N);
      const c = process.cpuUsage(c0);
      best = Math.min(best, (c.user + c.system) / 1e6);
    }
    return (2 * M * N * K * reps) / best / 1e9;
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

const ours = engine();
const theirs = torch();
for (const [j, s] of SHAPES.entries()) {
  const t = theirs ? ` | pytorch ${(theirs.gflops[j] as number).toFixed(1)}` : "";
  console.log(`${label(s).padEnd(20)} engine ${(ours[j] as number).toFixed(1)}${t} GFLOP/s`);
}
const mean = (xs: number[]) => xs.length / xs.reduce((a, x) => a + 1 / x, 0); // harmonic: equal work per shape
console.log(
  `overall engine ${mean(ours).toFixed(1)}${theirs ? ` | pytorch ${theirs.torch} ${mean(theirs.gflops).toFixed(1)}` : " | pytorch n/a"} GFLOP/s`,
);
