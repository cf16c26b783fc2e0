import { kernels } from "../native-kernels.js";
import { alloc, empty, fromOp, sameDType, type Tensor } from "../tensor.js";

export type AttentionShape = { B: number; T: number; nHeads: number; nKvHeads: number };

/**
 * Causal scaled dot-product attention, softmax(q k^T / sqrt(headDim) + causal mask) v, fused in one kernel.
 * q: [B*T, nHeads*headDim]; k, v: [B*T, nKvHeads*headDim]; query head h reads kv head floor(h / (nHeads/nKvHeads))
 * (grouped-query attention; nKvHeads = nHeads is plain multi-head). Keeps the [B, nHeads, T, T] probabilities for
 * the backward pass.
 */
export function causalAttention(q: Tensor, k: Tensor, v: Tensor, s: AttentionShape): Tensor {
  const dtype = sameDType(q, k, v);
  const headDim = q.width / s.nHeads;
  if (!Number.isInteger(headDim) || k.width !== s.nKvHeads * headDim || v.width !== k.width)
    throw new Error(
      `causalAttention: widths q ${q.width}, k ${k.width}, v ${v.width} do not fit ${s.nHeads}/${s.nKvHeads} heads`,
    );
  if (q.rows !== s.B * s.T || k.rows !== s.B * s.T || v.rows !== s.B * s.T)
    throw new Error(`causalAttention: rows must be B*T = ${s.B * s.T}`);
  const kern = kernels();
  const out = empty(dtype, q.size);
  const probs = empty(dtype, s.B * s.nHeads * s.T * s.T);
  kern.attentionForward(q.data, k.data, v.data, out, probs, s.B, s.T, s.nHeads, s.nKvHeads, headDim);
  return fromOp(out, q.shape, [q, k, v], (dout) => {
    const dq = q.requiresGrad ? q.gradBuffer() : alloc(dtype, q.size);
    const dk = k.requiresGrad ? k.gradBuffer() : alloc(dtype, k.size);
    const dv = v.requiresGrad ? v.gradBuffer() : alloc(dtype, v.size);
    kern.attentionBackward(dout, q.data, k.data, v.data, probs, dq, dk, dv, s.B, s.T, s.nHeads, s.nKvHeads, headDim);
  });
}
