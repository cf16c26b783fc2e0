import { kernels } from "../native-kernels.js";
import { alloc, empty, fromOp, sameDType, type Tensor } from "../tensor.js";

export type AttentionShape = { B: number; T: number; nHeads: number; nKvHeads: number };

/**
 * Causal scaled dot-product attention, softmax(q k^T / sqrt(headDim) + causal mask) v, as one fused kernel
 * (FlashAttention-style tiles with an online softmax: the T x T scores are never stored, and the tiles above the
 * diagonal are never computed). q: [B*T, nHeads*headDim]; k, v: [B*T, nKvHeads*headDim]; query head h reads kv
 * head floor(h / (nHeads/nKvHeads)) (grouped-query attention; nKvHeads = nHeads is plain multi-head). Keeps only
 * the output and one log-sum-exp per query row for the backward pass, which recomputes the probabilities.
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
  const needsGrad = q.requiresGrad || k.requiresGrad || v.requiresGrad;
  const lse = needsGrad ? empty(dtype, s.B * s.nHeads * s.T) : null;
  kern.attentionForward(q.data, k.data, v.data, out, lse, s.B, s.T, s.T, s.nHeads, s.nKvHeads, headDim);
  return fromOp(out, q.shape, [q, k, v], (dout) => {
    const dq = q.requiresGrad ? q.gradBuffer() : alloc(dtype, q.size);
    const dk = k.requiresGrad ? k.gradBuffer() : alloc(dtype, k.size);
    const dv = v.requiresGrad ? v.gradBuffer() : alloc(dtype, v.size);
    kern.attentionBackward(
      dout,
      q.data,
      k.data,
      v.data,
      out,
      lse as NonNullable<typeof lse>, // set whenever a graph is recorded (needsGrad)
      dq,
      dk,
      dv,
      s.B,
      s.T,
      s.nHeads,
      s.nKvHeads,
      headDim,
    );
  });
}
