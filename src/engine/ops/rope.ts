import { kernels } from "../native-kernels.js";
import { empty, fromOp, type Tensor } from "../tensor.js";

export type RopeOptions = {
  T: number; // sequence length: row r is position posOffset + r % T
  nHeads: number; // heads packed in each row, each headDim = width / nHeads wide
  theta: number; // RoPE base
  posOffset?: number; // position of the first row (KV-cached decoding)
};

/**
 * Rotary position embedding on adjacent pairs (2i, 2i+1) of each head, the layout of llama.cpp's LLAMA arch:
 * (x0, x1) -> (x0 cos a - x1 sin a, x0 sin a + x1 cos a), a = pos * theta^(-2i/headDim). The backward pass is the
 * inverse rotation.
 */
export function rope(x: Tensor, o: RopeOptions): Tensor {
  const headDim = x.width / o.nHeads;
  if (!Number.isInteger(headDim) || headDim % 2 !== 0)
    throw new Error(`rope: width ${x.width} / ${o.nHeads} heads must be an even integer`);
  const rows = x.rows;
  const posOffset = o.posOffset ?? 0;
  const k = kernels();
  const y = empty(x.dtype, x.size);
  k.rope(x.data, y, rows, o.T, o.nHeads, headDim, o.theta, posOffset, false, false);
  return fromOp(y, x.shape, [x], (dy) =>
    k.rope(dy, x.gradBuffer(), rows, o.T, o.nHeads, headDim, o.theta, posOffset, true, true),
  );
}
