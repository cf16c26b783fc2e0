// The GEMM against a naive triple loop on awkward sizes: edges in every dimension, K over several KC=256 panels
// (beta accumulation), N over two NC=4096 panels, the small-M matrix-vector path, all transposes, both dtypes.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { test } from "node:test";
import { createRng } from "../core/index.js";
import { type FloatArray, kernels } from "./native-kernels.js";

function naive(
  tA: boolean,
  tB: boolean,
  M: number,
  N: number,
  K: number,
  alpha: number,
  A: FloatArray,
  B: FloatArray,
  beta: number,
  C: FloatArray,
) {
  const out = Float64Array.from(C);
  for (let i = 0; i < M; i++)
    for (let j = 0; j < N; j++) {
      let s = 0;
      for (let k = 0; k < K; k++)
        s += (A[tA ? k * M + i : i * K + k] as number) * (B[tB ? j * K + k : k * N + j] as number);
      out[i * N + j] = alpha * s + beta * (C[i * N + j] as number);
    }
  return out;
}

const CASES: [number, number, number][] = [
  [7, 19, 5],
  [13, 33, 600],
  [1, 70, 300],
  [3, 8, 9],
  [37, 4100, 20],
];

for (const dtype of ["float32", "float64"] as const) {
  test(`gemm (${dtype}) matches a naive product for every transpose and awkward sizes`, () => {
    const rng = createRng(1);
    const make = (n: number) =>
      dtype === "float32"
        ? Float32Array.from({ length: n }, () => rng.normal())
        : Float64Array.from({ length: n }, () => rng.normal());
    const k = kernels();
    for (const [M, N, K] of CASES) {
      for (const tA of [false, true]) {
        for (const tB of [false, true]) {
          const A = make(M * K);
          const B = make(K * N);
          const C = make(M * N);
          const want = naive(tA, tB, M, N, K, 0.5, A, B, 2, C);
          k.gemm(tA, tB, M, N, K, 0.5, A, tA ? M : K, B, tB ? K : N, 2, C, N);
          const tol = dtype === "float32" ? 1e-4 * Math.sqrt(K) : 1e-10;
          for (let i = 0; i < want.length; i++)
            assert.ok(
              Math.abs((C[i] as number) - (want[i] as number)) < tol,
              `${tA ? "T" : "N"}${tB ? "T" : "N"} ${M}x${N}x${K} at ${i}`,
            );
        }
      }
    }
  });
}

test("gemm refuses arrays shorter than the sizes say", () => {
  const k = kernels();
  const a = new Float32Array(6);
  assert.throws(() => k.gemm(false, false, 2, 3, 4, 1, a, 4, a, 3, 0, a, 3), /needs 8/);
  assert.throws(() => k.gemm(false, false, 1, 1, 1, 1, a, 1, new Float64Array(1), 1, 0, a, 1), /Float32Array/);
});

// The AVX2 and AVX-512 micro-kernels sum each output element in the same k order with FMAs, so they agree to
// the bit; the AVX2 path is the one a CPU without AVX-512 takes (and IDEASTEER_ENGINE_ISA=avx2 forces).
test("gemm gives the same result on the AVX2 and AVX-512 paths, and the active ISA is reported", (t) => {
  const k = kernels();
  if (!k.cpuHasAvx512()) {
    assert.equal(k.getIsa(), "avx2");
    assert.equal(k.setIsa("avx512"), false);
    t.skip("this CPU has no AVX-512: only the AVX2 path exists");
    return;
  }
  const rng = createRng(3);
  const [M, N, K] = [45, 70, 300];
  const A = Float32Array.from({ length: M * K }, () => rng.normal());
  const B = Float32Array.from({ length: K * N }, () => rng.normal());
  const run = (isa: "avx2" | "avx512", tA: boolean, tB: boolean) => {
    assert.equal(k.setIsa(isa), true);
    assert.equal(k.getIsa(), isa);
    const C = new Float32Array(M * N).fill(0.5);
    k.gemm(tA, tB, M, N, K, 1, A, tA ? M : K, B, tB ? K : N, 1, C, N);
    return C;
  };
  try {
    for (const [tA, tB] of [
      [false, true],
      [false, false],
      [true, false],
    ] as const)
      assert.deepEqual(run("avx2", tA, tB), run("avx512", tA, tB), `${tA ? "T" : "N"}${tB ? "T" : "N"}`);
  } finally {
    k.setIsa("avx512");
  }
});

test("IDEASTEER_ENGINE_ISA=avx2 makes the addon start on the AVX2 path", () => {
  const addon = new URL("../../native/build/Release/ideasteer_engine.node", import.meta.url).pathname;
  const script = `process.stdout.write(require(${JSON.stringify(addon)}).getIsa())`;
  const forced = spawnSync(process.execPath, ["-e", script], {
    env: { ...process.env, IDEASTEER_ENGINE_ISA: "avx2" },
    encoding: "utf8",
  });
  assert.equal(forced.stdout, "avx2", forced.stderr);
  const chosen = spawnSync(process.execPath, ["-e", script], {
    env: { ...process.env, IDEASTEER_ENGINE_ISA: "" },
    encoding: "utf8",
  });
  assert.equal(chosen.stdout, kernels().cpuHasAvx512() ? "avx512" : "avx2", chosen.stderr);
});
