import { kernels } from "../native-kernels.js";
import { empty, fromOp, type Tensor } from "../tensor.js";

/** Rows of `weight` [V, D] picked by token id: [n, D]. Backward scatters-adds into weight's gradient. */
export function embedding(tokens: Int32Array, weight: Tensor): Tensor {
  const [V, D] = weight.shape as [number, number];
  if (weight.shape.length !== 2) throw new Error(`embedding: weight must be [V, D], got [${weight.shape}]`);
  const n = tokens.length;
  const k = kernels();
  const out = empty(weight.dtype, n * D);
  k.embeddingForward(weight.data, tokens, out, n, D, V);
  return fromOp(out, [n, D], [weight], (dy) => k.embeddingBackward(dy, tokens, weight.gradBuffer(), n, D, V));
}
