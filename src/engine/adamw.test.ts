import assert from "node:assert/strict";
import { test } from "node:test";
import { createAdamW, isDecayed } from "./adamw.js";
import { clipGradNorm } from "./clip-grad-norm.js";

const param = (shape: number[], data: number[], grad: number[]) => ({
  shape,
  data: Float32Array.from(data),
  grad: Float32Array.from(grad),
});

test("AdamW: two steps match a hand computation (PyTorch's formula), decay on matrices only", () => {
  const params = new Map([
    ["blk.0.attn_q.weight", param([1, 2], [1, -2], [0.5, -1])],
    ["blk.0.attn_norm.weight", param([2], [1, 1], [0.5, -1])],
    ["token_embd.weight", param([1, 2], [1, -2], [0.5, -1])],
  ]);
  const o = { lr: 0.1, beta1: 0.9, beta2: 0.99, eps: 1e-8, weightDecay: 0.1 };
  const opt = createAdamW(params, o);
  opt.step();
  // Step 1: m = 0.1 g, v = 0.01 g^2, mhat = g, vhat = g^2, update = lr * g / (|g| + eps) = 0.1 * sign(g).
  // Decayed: p = p * (1 - 0.1 * 0.1) - 0.1 sign(g).
  const q = params.get("blk.0.attn_q.weight")!.data;
  assert.ok(Math.abs((q[0] as number) - (1 * 0.99 - 0.1)) < 1e-6);
  assert.ok(Math.abs((q[1] as number) - (-2 * 0.99 + 0.1)) < 1e-6);
  const n = params.get("blk.0.attn_norm.weight")!.data;
  assert.ok(Math.abs((n[0] as number) - 0.9) < 1e-6 && Math.abs((n[1] as number) - 1.1) < 1e-6);
  const e = params.get("token_embd.weight")!.data; // not decayed
  assert.ok(Math.abs((e[0] as number) - 0.9) < 1e-6 && Math.abs((e[1] as number) + 1.9) < 1e-6);
  // Step 2 with a new gradient g2 = [1, 1] on the norm weight, lr 0.05.
  params.get("blk.0.attn_norm.weight")!.grad.set([1, 1]);
  opt.step(0.05);
  const g1 = [0.5, -1];
  for (let i = 0; i < 2; i++) {
    const m = 0.9 * 0.1 * (g1[i] as number) + 0.1 * 1;
    const v = 0.99 * 0.01 * (g1[i] as number) ** 2 + 0.01 * 1;
    const mhat = m / (1 - 0.9 ** 2);
    const vhat = v / (1 - 0.99 ** 2);
    const want = [0.9, 1.1][i]! - (0.05 * mhat) / (Math.sqrt(vhat) + 1e-8);
    assert.ok(Math.abs((n[i] as number) - want) < 1e-6, `norm[${i}] ${n[i]} vs ${want}`);
  }
  assert.equal(opt.state().step, 2);
});

test("AdamW: state() and loadState() resume bit-exactly", () => {
  const mk = () => new Map([["w", param([2, 2], [1, 2, 3, 4], [0.1, -0.2, 0.3, -0.4])]]);
  const o = { lr: 0.01, beta1: 0.9, beta2: 0.95, eps: 1e-8, weightDecay: 0.1 };
  const a = mk();
  const optA = createAdamW(a, o);
  optA.step();
  const saved = optA.state();
  const weights = a.get("w")!.data.slice();
  optA.step();
  const b = mk();
  b.get("w")!.data.set(weights);
  const optB = createAdamW(b, o);
  optB.loadState(saved);
  optB.step();
  assert.deepEqual(b.get("w")!.data, a.get("w")!.data);
  assert.throws(() => optB.loadState({ step: 1, m: new Map(), v: new Map() }), /does not fit parameter w/);
});

test("isDecayed: matrices yes; norms and token embedding no", () => {
  assert.equal(isDecayed("blk.3.ffn_up.weight", { shape: [4, 2] }), true);
  assert.equal(isDecayed("output.weight", { shape: [4, 2] }), true);
  assert.equal(isDecayed("output_norm.weight", { shape: [2] }), false);
  assert.equal(isDecayed("token_embd.weight", { shape: [4, 2] }), false);
});

test("clipGradNorm returns the pre-clip norm and scales to maxNorm", () => {
  const params = new Map([
    ["a", param([2], [0, 0], [3, 0])],
    ["b", param([1], [0], [4])],
  ]);
  assert.ok(Math.abs(clipGradNorm(params, 1) - 5) < 1e-12);
  assert.ok(Math.abs(clipGradNorm(params, 1) - 1) < 1e-5);
  const g = [...params.get("a")!.grad, ...params.get("b")!.grad];
  assert.ok(Math.abs((g[0] as number) - 0.6) < 1e-5 && Math.abs((g[2] as number) - 0.8) < 1e-5);
  assert.ok(Math.abs(clipGradNorm(params, 10) - 1) < 1e-5); // under the bound: untouched
  assert.ok(Math.abs((params.get("b")!.grad[0] as number) - 0.8) < 1e-5);
});
