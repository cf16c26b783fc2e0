// The GEMM against a naive triple loop on awkward sizes: edges in every dimension, K over several KC=256 panels
// (beta accumulation), N over two NC=4096 panels, the small-M matrix-vector path, all transposes, both dtypes.
import assert from "node:assert/strict";
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
