import { kernels } from "../native-kernels.js";
import { alloc, empty, fromOp, type Tensor } from "../tensor.js";

/**
 * Summed masked token cross-entropy: sum_r mask_r * (logsumexp(logits_r) - logits_r[target_r]), a scalar [1].
 * logits: [rows, V]; mask (optional, default all ones) weights each row, 0 leaves it out (SFT trains on idea tokens
 * only). A sum, not a mean, so gradient accumulation over micro-batches adds up exactly; divide by the token count
 * through backward's gradScale.
 */
export function crossEntropy(logits: Tensor, targets: Int32Array, mask?: Float32Array | Float64Array): Tensor {
  const V = logits.width;
  const rows = logits.rows;
  if (targets.length !== rows) throw new Error(`crossEntropy: ${targets.length} targets for ${rows} rows`);
  if (mask && mask.length !== rows) throw new Error(`crossEntropy: mask has ${mask.length} values for ${rows} rows`);
  // The kernel wants the mask in the logits' dtype; copying rows values is negligible next to rows * V.
  const maskArr = mask ? (logits.dtype === "float64" ? Float64Array.from(mask) : Float32Array.from(mask)) : null;
  const k = kernels();
  const lse = empty(logits.dtype, rows);
  const loss = k.crossEntropyForward(logits.data, targets, maskArr, lse, rows, V);
  const out = alloc(logits.dtype, 1);
  out[0] = loss;
  return fromOp(out, [1], [logits], (g) =>
    k.crossEntropyBackward(logits.data, targets, maskArr, lse, logits.gradBuffer(), rows, V, g[0] as number),
  );
}
