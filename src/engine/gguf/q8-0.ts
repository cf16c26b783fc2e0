import { f16BitsToF32, f32ToF16Bits } from "./f16.js";

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
  const view = new DataView(out.buffer);
  for (let b = 0; b < nBlocks; b++) {
    const base = b * Q8_0_BLOCK;
    let amax = 0;
    for (let j = 0; j < Q8_0_BLOCK; j++) amax = Math.max(amax, Math.abs(data[base + j]));
    const d = Math.fround(amax / 127);
    const id = d ? Math.fround(1 / d) : 0;
    const o = b * Q8_0_BLOCK_BYTES;
    view.setUint16(o, f32ToF16Bits(d), true);
    for (let j = 0; j < Q8_0_BLOCK; j++) {
      const x = Math.fround(data[base + j] * id);
      view.setInt8(o + 2 + j, Math.sign(x) * Math.round(Math.abs(x)));
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
