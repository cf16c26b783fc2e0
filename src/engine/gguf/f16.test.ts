import assert from "node:assert/strict";
import { test } from "node:test";
import { f16BitsToF32, f16ToF32, f32ToF16, f32ToF16Bits } from "./f16.js";

test("f16 keeps exactly representable values and special values", () => {
  const exact = [0, 1, -1, 0.5, 65504, -65504, 2 ** -14, 2 ** -24, 3 * 2 ** -24, 1 + 2 ** -10];
  for (const x of exact) assert.equal(f16BitsToF32(f32ToF16Bits(x)), x);
  assert.equal(f32ToF16Bits(-0), 0x8000);
  assert.equal(f16BitsToF32(f32ToF16Bits(Number.POSITIVE_INFINITY)), Number.POSITIVE_INFINITY);
  assert.equal(f16BitsToF32(f32ToF16Bits(1e6)), Number.POSITIVE_INFINITY);
  assert.ok(Number.isNaN(f16BitsToF32(f32ToF16Bits(Number.NaN))));
  assert.equal(f16BitsToF32(f32ToF16Bits(2 ** -26)), 0);
});

test("f16 rounds to nearest, ties to even", () => {
  assert.equal(f32ToF16Bits(1 + 2 ** -11), 0x3c00); // tie between 1 and 1+2^-10 -> even (1)
  assert.equal(f32ToF16Bits(1 + 3 * 2 ** -11), 0x3c02); // tie -> even mantissa 2
  assert.equal(f32ToF16Bits(1 + 2 ** -11 + 2 ** -20), 0x3c01); // just above the tie
  assert.equal(f32ToF16Bits(2 ** -25 + 2 ** -30), 1); // rounds up into the smallest subnormal
  assert.equal(f32ToF16Bits(65519), 0x7bff); // below the overflow midpoint
  assert.equal(f32ToF16Bits(65520), 0x7c00); // at it: to inf (even)
});

test("f16 round trip of every half bit pattern is the identity (except NaN payloads)", () => {
  const bits = new Uint16Array(65536).map((_, i) => i);
  const back = f32ToF16(f16ToF32(bits));
  for (let i = 0; i < 65536; i++) {
    if ((i & 0x7c00) === 0x7c00 && i & 0x3ff) continue;
    assert.equal(back[i], i, `pattern ${i.toString(16)}`);
  }
});

test("f16 relative error of random values is at most 2^-11", () => {
  for (let i = 0; i < 10000; i++) {
    const x = Math.fround((Math.random() - 0.5) * 2 ** (Math.random() * 20 - 8));
    if (Math.abs(x) < 2 ** -14) continue;
    const y = f16BitsToF32(f32ToF16Bits(x));
    assert.ok(Math.abs(y - x) <= Math.abs(x) * 2 ** -11, `${x} -> ${y}`);
  }
});
