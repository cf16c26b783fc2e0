import { kernels } from "../native-kernels.js";
import { empty, fromOp, type Tensor } from "../tensor.js";

/**
 * log softmax(logits_r)[target_r] for every row: [rows]. The per-token log-probabilities a policy-gradient loss
 * weighs (DESIGN §5). Backward: dlogits_r += g_r (onehot(target_r) - softmax(logits_r)), through the cross-entropy
 * kernel with per-row weights -g_r.
 */
export function tokenLogProbs(logits: Tensor, targets: Int32Array): Tensor {
  const V = logits.width;
  const rows = logits.rows;
  if (targets.length !== rows) throw new Error(`tokenLogProbs: ${targets.length} targets for ${rows} rows`);
  const k = kernels();
  const lse = empty(logits.dtype, rows);
  k.crossEntropyForward(logits.data, targets, null, lse, rows, V);
  const out = empty(logits.dtype, rows);
  for (let r = 0; r < rows; r++) out[r] = (logits.data[r * V + (targets[r] as number)] as number) - (lse[r] as number);
  return fromOp(out, [rows], [logits], (g) => {
    const weights = empty(logits.dtype, rows);
    for (let r = 0; r < rows; r++) weights[r] = -(g[r] as number);
    k.crossEntropyBackward(logits.data, targets, weights, lse, logits.gradBuffer(), rows, V, 1);
  });
}
