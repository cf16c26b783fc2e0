import { kernels } from "../native-kernels.js";
import { alloc, empty, fromOp, sameDType, type Tensor } from "../tensor.js";

/** RMSNorm over the last dimension: y = x / sqrt(mean(x^2) + eps) * w. */
export function rmsNorm(x: Tensor, w: Tensor, eps: number): Tensor {
  const dtype = sameDType(x, w);
  const D = x.width;
  if (w.size !== D) throw new Error(`rmsNorm: weight has ${w.size} values, rows have ${D}`);
  const rows = x.rows;
  const k = kernels();
  const y = empty(dtype, x.size);
  const rstd = empty(dtype, rows);
  k.rmsNormForward(x.data, w.data, y, rstd, rows, D, eps);
  return fromOp(y, x.shape, [x, w], (dy) => {
    // The kernel writes both gradients; a side that needs none gets a scratch buffer.
    const dx = x.requiresGrad ? x.gradBuffer() : alloc(dtype, x.size);
    const dw = w.requiresGrad ? w.gradBuffer() : alloc(dtype, D);
    k.rmsNormBackward(dy, x.data, w.data, rstd, dx, dw, rows, D);
  });
}
