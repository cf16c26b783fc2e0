// The fused attention kernel (tiles of 64 rows, online softmax) against the composed definition, written out in
// float64 loops: S = q k^T / sqrt(hd), causal softmax, P v, and its backward. T = 150 spans three tiles with a
// ragged last one, so the online rescaling across tiles, the diagonal masks and the partial tiles all count.
import assert from "node:assert/strict";
import { test } from "node:test";
import { createRng, type Rng } from "../../core/index.js";
import { gradCheck } from "../grad-check.js";
import { kernels } from "../native-kernels.js";
import { type DType, type Tensor, tensor } from "../tensor.js";
import { causalAttention } from "./causal-attention.js";
import { mul, sum } from "./elementwise.js";

type Shape = { B: number; T: number; nH: number; nKv: number; hd: number };

/** out and, for a given dout, dq, dk, dv of causal attention by the definition, in float64. */
function composed(q: ArrayLike<number>, k: ArrayLike<number>, v: ArrayLike<number>, dout: ArrayLike<number>, s: Shape) {
  const { B, T, nH, nKv, hd } = s;
  const qw = nH * hd;
  const kw = nKv * hd;
  const scale = 1 / Math.sqrt(hd);
  const out = new Float64Array(B * T * qw);
  const dq = new Float64Array(B * T * qw);
  const dk = new Float64Array(B * T * kw);
  const dv = new Float64Array(B * T * kw);
  const qi = (b: number, t: number, h: number, d: number) => (b * T + t) * qw + h * hd + d;
  const ki = (b: number, t: number, h: number, d: number) => (b * T + t) * kw + h * hd + d;
  for (let b = 0; b < B; b++)
    for (let h = 0; h < nH; h++) {
      const kh = Math.floor(h / (nH / nKv));
      for (let i = 0; i < T; i++) {
        const p = new Float64Array(i + 1);
        let mx = -Infinity;
        for (let j = 0; j <= i; j++) {
          let dot = 0;
          for (let d = 0; d < hd; d++) dot += (q[qi(b, i, h, d)] as number) * (k[ki(b, j, kh, d)] as number);
          p[j] = dot * scale;
          mx = Math.max(mx, p[j] as number);
        }
        let z = 0;
        for (let j = 0; j <= i; j++) z += p[j] = Math.exp((p[j] as number) - mx);
        for (let j = 0; j <= i; j++) p[j] = (p[j] as number) / z;
        const dp = new Float64Array(i + 1);
        let rowDot = 0;
        for (let j = 0; j <= i; j++) {
          for (let d = 0; d < hd; d++) {
            out[qi(b, i, h, d)] += (p[j] as number) * (v[ki(b, j, kh, d)] as number);
            dp[j] += (dout[qi(b, i, h, d)] as number) * (v[ki(b, j, kh, d)] as number);
            dv[ki(b, j, kh, d)] += (p[j] as number) * (dout[qi(b, i, h, d)] as number);
          }
          rowDot += (p[j] as number) * (dp[j] as number);
        }
        for (let j = 0; j <= i; j++) {
          const ds = (p[j] as number) * ((dp[j] as number) - rowDot) * scale;
          for (let d = 0; d < hd; d++) {
            dq[qi(b, i, h, d)] += ds * (k[ki(b, j, kh, d)] as number);
            dk[ki(b, j, kh, d)] += ds * (q[qi(b, i, h, d)] as number);
          }
        }
      }
    }
  return { out, dq, dk, dv };
}

function randn(rng: Rng, n: number, dtype: DType) {
  const a = Float64Array.from({ length: n }, () => rng.normal());
  return dtype === "float32" ? Float32Array.from(a) : a;
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs((a[i] as number) - (b[i] as number)));
  return m;
}

for (const [dtype, tol] of [
  ["float32", 1e-5],
  ["float64", 1e-10],
] as const) {
  for (const nKv of [4, 2]) {
    test(`fused attention (${dtype}, 4 query heads on ${nKv} kv heads, T = 150) matches the composed ops`, () => {
      const s: Shape = { B: 2, T: 150, nH: 4, nKv, hd: 16 };
      const rng = createRng(20 + nKv);
      const qw = s.nH * s.hd;
      const kw = s.nKv * s.hd;
      const q = randn(rng, s.B * s.T * qw, dtype);
      const k = randn(rng, s.B * s.T * kw, dtype);
      const v = randn(rng, s.B * s.T * kw, dtype);
      const dout = randn(rng, s.B * s.T * qw, dtype);
      const want = composed(q, k, v, dout, s);
      const kern = kernels();
      const make = (n: number) => (dtype === "float32" ? new Float32Array(n) : new Float64Array(n));
      const out = make(q.length);
      const lse = make(s.B * s.nH * s.T);
      kern.attentionForward(q, k, v, out, lse, s.B, s.T, s.T, s.nH, s.nKv, s.hd);
      const dq = make(q.length).fill(1); // the kernel adds into its gradient outputs
      const dk = make(k.length).fill(1);
      const dv = make(v.length).fill(1);
      kern.attentionBackward(dout, q, k, v, out, lse, dq, dk, dv, s.B, s.T, s.nH, s.nKv, s.hd);
      const less1 = (a: ArrayLike<number>) => Float64Array.from(a, (x) => x - 1);
      const errs = {
        out: maxAbsDiff(out, want.out),
        dq: maxAbsDiff(less1(dq), want.dq),
        dk: maxAbsDiff(less1(dk), want.dk),
        dv: maxAbsDiff(less1(dv), want.dv),
      };
      for (const [name, e] of Object.entries(errs)) assert.ok(e < tol, `${name}: max |fused - composed| = ${e}`);
    });
  }
}

test("one decoding step (Tq = 1 against a cache of Tk keys) equals the last row of the full pass", () => {
  const s: Shape = { B: 1, T: 97, nH: 4, nKv: 2, hd: 8 };
  const rng = createRng(30);
  const q = randn(rng, s.T * s.nH * s.hd, "float32");
  const k = randn(rng, s.T * s.nKv * s.hd, "float32");
  const v = randn(rng, s.T * s.nKv * s.hd, "float32");
  const kern = kernels();
  const full = new Float32Array(q.length);
  kern.attentionForward(q, k, v, full, null, 1, s.T, s.T, s.nH, s.nKv, s.hd);
  const qw = s.nH * s.hd;
  for (const t of [0, 63, 64, 96]) {
    const one = new Float32Array(qw);
    kern.attentionForward(q.subarray(t * qw, (t + 1) * qw), k, v, one, null, 1, 1, t + 1, s.nH, s.nKv, s.hd);
    assert.ok(maxAbsDiff(one, full.subarray(t * qw, (t + 1) * qw)) < 1e-6, `position ${t}`);
  }
});

test("fused attention's gradient matches finite differences across tiles (float64, T = 70)", () => {
  const rng = createRng(31);
  const B = 1;
  const T = 70;
  const hd = 4;
  const t = (width: number): Tensor =>
    tensor(randn(rng, B * T * width, "float64"), [B * T, width], { requiresGrad: true });
  const q = t(2 * hd);
  const k = t(hd);
  const v = t(hd);
  const r = tensor(randn(rng, B * T * 2 * hd, "float64"), [B * T, 2 * hd]);
  const res = gradCheck(() => sum(mul(causalAttention(q, k, v, { B, T, nHeads: 2, nKvHeads: 1 }), r)), [q, k, v], {
    rng,
    maxPerInput: 24,
  });
  assert.ok(res.maxRelErr < 1e-6, `max relative error ${res.maxRelErr}`);
});
