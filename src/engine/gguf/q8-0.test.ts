import assert from "node:assert/strict";
import { test } from "node:test";
import { f16BitsToF32 } from "./f16.js";
import { dequantizeQ8_0, Q8_0_BLOCK_BYTES, quantizeQ8_0 } from "./q8-0.js";

test("Q8_0 error is at most half a step (d/2) per value, plus the f16 scale's rounding", () => {
  const n = 32 * 64;
  const x = new Float32Array(n).map((_, i) => Math.sin(i * 0.37) * (1 + (i % 97)) * 0.01);
  const q = quantizeQ8_0(x);
  assert.equal(q.length, (n / 32) * Q8_0_BLOCK_BYTES);
  const y = dequantizeQ8_0(q);
  for (let b = 0; b < n / 32; b++) {
    let amax = 0;
    for (let j = 0; j < 32; j++) amax = Math.max(amax, Math.abs(x[b * 32 + j]));
    const d = amax / 127;
    const dStored = f16BitsToF32(q[b * 34] | (q[b * 34 + 1] << 8));
    for (let j = 0; j < 32; j++) {
      const i = b * 32 + j;
      const bound = d / 2 + 127 * Math.abs(dStored - d) + 1e-7;
      assert.ok(Math.abs(y[i] - x[i]) <= bound, `value ${i}: ${x[i]} -> ${y[i]}, bound ${bound}`);
    }
  }
});

test("Q8_0 keeps the block maximum as ±127 steps, zeros as zero, and rounds half away from zero", () => {
  const x = new Float32Array(32);
  x[0] = -127; // d = 1, so q = round(x)
  x[1] = 2.5;
  x[2] = -2.5; // roundf gives -3 (Math.round would give -2)
  x[3] = 0.49;
  const q = quantizeQ8_0(x);
  assert.equal(f16BitsToF32(q[0] | (q[1] << 8)), 1);
  const qs = new Int8Array(q.buffer, 2, 32);
  assert.deepEqual([...qs.subarray(0, 5)], [-127, 3, -3, 0, 0]);
  const zero = dequantizeQ8_0(quantizeQ8_0(new Float32Array(32)));
  assert.deepEqual([...zero], new Array(32).fill(0));
  assert.throws(() => quantizeQ8_0(new Float32Array(31)), /multiple of 32/);
});
