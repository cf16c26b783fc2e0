// Gradient checks of every op in float64: analytic (autograd + native backward kernels) vs central finite
// differences with h = 1e-5. Tolerance: relative error < 1e-6 (observed ~1e-9; a wrong term gives > 1e-2).
import assert from "node:assert/strict";
import { test } from "node:test";
import { createRng, type Rng } from "../../core/index.js";
import { gradCheck } from "../grad-check.js";
import { type Tensor, tensor } from "../tensor.js";
import {
  add,
  causalAttention,
  crossEntropy,
  embedding,
  linear,
  mul,
  rmsNorm,
  rope,
  sum,
  swiglu,
  tokenLogProbs,
} from "./index.js";

const TOL = 1e-6;

function randn(rng: Rng, shape: number[], scale = 1): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  return tensor(
    Float64Array.from({ length: n }, () => rng.normal() * scale),
    shape,
    { requiresGrad: true },
  );
}

/** Checks f = sum(build() * R) for a fixed random R, so every output value counts with its own weight. */
function check(name: string, build: () => Tensor, inputs: Tensor[], rng: Rng): void {
  const out = build();
  const r = tensor(
    Float64Array.from({ length: out.size }, () => rng.normal()),
    out.shape,
  );
  const res = gradCheck(() => sum(mul(build(), r)), inputs, { rng, maxPerInput: 48 });
  assert.ok(res.checked > 0);
  assert.ok(res.maxRelErr < TOL, `${name}: max relative error ${res.maxRelErr} (abs ${res.maxAbsErr})`);
}

test("linear: dx and dW match finite differences", () => {
  const rng = createRng(1);
  const x = randn(rng, [5, 6]);
  const w = randn(rng, [4, 6]);
  check("linear", () => linear(x, w), [x, w], rng);
});

test("embedding: repeated tokens accumulate into one row", () => {
  const rng = createRng(2);
  const w = randn(rng, [7, 6]);
  const tokens = Int32Array.from([3, 1, 3, 6, 0, 3]);
  check("embedding", () => embedding(tokens, w), [w], rng);
});

test("rmsNorm: dx and dw", () => {
  const rng = createRng(3);
  const x = randn(rng, [3, 8]);
  const w = randn(rng, [8]);
  check("rmsNorm", () => rmsNorm(x, w, 1e-5), [x, w], rng);
});

test("rope: gradient is the inverse rotation; pairs are adjacent", () => {
  const rng = createRng(4);
  const x = randn(rng, [2 * 3, 2 * 4]);
  check("rope", () => rope(x, { T: 3, nHeads: 2, theta: 10000, posOffset: 2 }), [x], rng);
  // Position 0 is the identity; at position p pair (0,1) of each head rotates by p radians (i = 0).
  const one = tensor(Float64Array.from([1, 0, 0, 1]), [1, 4]);
  const y = rope(one, { T: 1, nHeads: 1, theta: 10000, posOffset: 1 }).data;
  assert.ok(Math.abs((y[0] as number) - Math.cos(1)) < 1e-12 && Math.abs((y[1] as number) - Math.sin(1)) < 1e-12);
  const a2 = 1 * 10000 ** (-2 / 4); // pair i = 1 of a 4-wide head
  assert.ok(Math.abs((y[2] as number) + Math.sin(a2)) < 1e-12 && Math.abs((y[3] as number) - Math.cos(a2)) < 1e-12);
});

for (const nKvHeads of [4, 2, 1]) {
  test(`causalAttention: dq, dk, dv with ${nKvHeads} kv heads for 4 query heads`, () => {
    const rng = createRng(5 + nKvHeads);
    const B = 2;
    const T = 4;
    const hd = 4;
    const q = randn(rng, [B * T, 4 * hd]);
    const k = randn(rng, [B * T, nKvHeads * hd]);
    const v = randn(rng, [B * T, nKvHeads * hd]);
    check("attention", () => causalAttention(q, k, v, { B, T, nHeads: 4, nKvHeads }), [q, k, v], rng);
  });
}

test("causalAttention: a position never sees later ones", () => {
  const rng = createRng(9);
  const q = randn(rng, [3, 4]);
  const k = randn(rng, [3, 4]);
  const v = randn(rng, [3, 4]);
  const before = causalAttention(q, k, v, { B: 1, T: 3, nHeads: 1, nKvHeads: 1 }).data.slice(0, 8);
  k.data.fill(7, 8); // change position 2's key and value only
  v.data.fill(-3, 8);
  const after = causalAttention(q, k, v, { B: 1, T: 3, nHeads: 1, nKvHeads: 1 }).data.slice(0, 8);
  assert.deepEqual(after, before);
});

test("swiglu: dg and du", () => {
  const rng = createRng(10);
  const g = randn(rng, [3, 5], 2);
  const u = randn(rng, [3, 5]);
  check("swiglu", () => swiglu(g, u), [g, u], rng);
});

test("crossEntropy: masked rows contribute nothing, weighted rows scale", () => {
  const rng = createRng(11);
  const logits = randn(rng, [5, 7], 2);
  const targets = Int32Array.from([0, 6, 3, 3, 1]);
  const mask = Float64Array.from([1, 0, 0.5, 1, 0]);
  const res = gradCheck(() => crossEntropy(logits, targets, mask), [logits], { rng, maxPerInput: 35 });
  assert.ok(res.maxRelErr < TOL, `crossEntropy: ${res.maxRelErr}`);
  // Value: sum over kept rows of logsumexp - logit[target], by hand.
  let want = 0;
  for (let r = 0; r < 5; r++) {
    const row = Array.from(logits.data.subarray(r * 7, r * 7 + 7));
    const mx = Math.max(...row);
    const lse = mx + Math.log(row.reduce((s, z) => s + Math.exp(z - mx), 0));
    want += (mask[r] as number) * (lse - (row[targets[r] as number] as number));
  }
  assert.ok(Math.abs(crossEntropy(logits, targets, mask).item() - want) < 1e-12);
  // Masked-out rows get exactly zero gradient.
  assert.ok(logits.grad);
  for (const r of [1, 4]) assert.ok(logits.grad.subarray(r * 7, r * 7 + 7).every((g) => g === 0));
});

test("crossEntropy: a target outside the vocabulary throws", () => {
  const logits = tensor(new Float64Array(6), [2, 3]);
  assert.throws(() => crossEntropy(logits, Int32Array.from([0, 3])), /outside the vocabulary/);
});

test("add: broadcast steering vector gets the sum over rows", () => {
  const rng = createRng(12);
  const h = randn(rng, [6, 4]);
  const s = randn(rng, [4]);
  check("add (broadcast)", () => add(h, s), [h, s], rng);
  const a = randn(rng, [2, 3]);
  const b = randn(rng, [2, 3]);
  check("add", () => add(a, b), [a, b], rng);
});

test("composition: a two-layer chain through every op", () => {
  const rng = createRng(13);
  const emb = randn(rng, [9, 8], 0.5);
  const nw = randn(rng, [8]);
  const wq = randn(rng, [8, 8], 0.5);
  const wg = randn(rng, [6, 8], 0.5);
  const wu = randn(rng, [6, 8], 0.5);
  const wd = randn(rng, [8, 6], 0.5);
  const tokens = Int32Array.from([1, 4, 4, 8, 0, 2]);
  const targets = Int32Array.from([4, 4, 8, 0, 2, 1]);
  const f = () => {
    const x = embedding(tokens, emb);
    const xn = rmsNorm(x, nw, 1e-5);
    const q = rope(linear(xn, wq), { T: 3, nHeads: 2, theta: 10000 });
    const h = add(x, causalAttention(q, q, xn, { B: 2, T: 3, nHeads: 2, nKvHeads: 2 }));
    const m = linear(swiglu(linear(h, wg), linear(h, wu)), wd);
    return crossEntropy(linear(add(h, m), emb), targets);
  };
  const res = gradCheck(f, [emb, nw, wq, wg, wu, wd], { rng, maxPerInput: 24 });
  assert.ok(res.maxRelErr < TOL, `composition: ${res.maxRelErr} abs ${res.maxAbsErr}`);
});

test("tokenLogProbs: values are log-softmax at the target, gradient matches", () => {
  const rng = createRng(14);
  const logits = randn(rng, [4, 6], 2);
  const targets = Int32Array.from([5, 0, 2, 2]);
  check("tokenLogProbs", () => tokenLogProbs(logits, targets), [logits], rng);
  const lp = tokenLogProbs(logits, targets).data;
  const row = Array.from(logits.data.subarray(6, 12));
  const lse = Math.log(row.reduce((s, z) => s + Math.exp(z), 0));
  assert.ok(Math.abs((lp[1] as number) - ((row[0] as number) - lse)) < 1e-12);
  // Summed, it is minus the unmasked cross-entropy.
  const total = Array.from(lp).reduce((a, b) => a + b, 0);
  assert.ok(Math.abs(total + crossEntropy(logits, targets).item()) < 1e-10);
});
