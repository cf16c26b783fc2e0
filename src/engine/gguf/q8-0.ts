import { f16BitsToF32, f32BitsToF16Bits } from "./f16.js";

/** Q8_0: blocks of 32 values, each block an f16 scale d = max|x|/127 then 32 int8 q = round(x/d). */
export const Q8_0_BLOCK = 32;
export const Q8_0_BLOCK_BYTES = 34;

/**
 * Quantise like ggml's quantize_row_q8_0_ref, bit for bit: float32 arithmetic, the inverse scale
 * from the unrounded d, roundf (half away from zero). `data.length` must be a multiple of 32.
 */
export function quantizeQ8_0(data: Float32Array): Uint8Array {
  if (data.length % Q8_0_BLOCK !== 0) {
    throw new RangeError(`Q8_0 needs a multiple of ${Q8_0_BLOCK} values, got ${data.length}`);
  }
  const nBlocks = data.length / Q8_0_BLOCK;
  const out = new Uint8Array(nBlocks * Q8_0_BLOCK_BYTES);
  const qs = new Int8Array(out.buffer);
  const d32 = new Float32Array(1); // the scale as float32, for its bit pattern
  const dBits = new Uint32Array(d32.buffer);
  for (let b = 0; b < nBlocks; b++) {
    const base = b * Q8_0_BLOCK;
    let amax = 0;
    for (let j = 0; j < Q8_0_BLOCK; j++) {
      const a = Math.abs(data[base + j]);
      if (a > amax) amax = a;
    }
    d32[0] = amax / 127;
    const d = d32[0];
    const id = d ? Math.fround(1 / d) : 0;
    const o = b * Q8_0_BLOCK_BYTES;
    const h = f32BitsToF16Bits(dBits[0]);
    out[o] = h & 0xff;
    out[o + 1] = h >> 8;
    for (let j = 0; j < Q8_0_BLOCK; j++) {
      const x = Math.fround(data[base + j] * id);
      // roundf: halves away from zero (|x| <= 127, so x +- 0.5 is exact in float64)
      qs[o + 2 + j] = x >= 0 ? Math.floor(x + 0.5) : -Math.floor(0.5 - x);
    }
  }
  return out;
}

/** Inverse of quantizeQ8_0: x = d * q. */
export function dequantizeQ8_0(bytes: Uint8Array, count?: number): Float32Array {
  const nBlocks = Math.floor(bytes.length / Q8_0_BLOCK_BYTES);
  const n = count ?? nBlocks * Q8_0_BLOCK;
  if (n > nBlocks * Q8_0_BLOCK) throw new RangeError(`Q8_0 data holds ${nBlocks * Q8_0_BLOCK} values, asked for ${n}`);
  const out = new Float32Array(n);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let b = 0; b * Q8_0_BLOCK < n; b++) {
    const o = b * Q8_0_BLOCK_BYTES;
    const d = f16BitsToF32(view.getUint16(o, true));
    for (let j = 0; j < Q8_0_BLOCK; j++) out[b * Q8_0_BLOCK + j] = d * view.getInt8(o + 2 + j);
  }
  return out;
}
