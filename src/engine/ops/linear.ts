import { kernels } from "../native-kernels.js";
import { empty, fromOp, sameDType, type Tensor } from "../tensor.js";

/**
 * y = x W^T, as torch.nn.functional.linear without bias. x: [..., K] (rows M), w: [N, K] row-major [out][in],
 * y: [..., N]. Backward: dx += dy W (NN GEMM), dW += dy^T x (TN GEMM).
 */
export function linear(x: Tensor, w: Tensor): Tensor {
  const dtype = sameDType(x, w);
  const [N, K] = w.shape as [number, number];
  if (w.shape.length !== 2 || x.width !== K) throw new Error(`linear: x [..., ${x.width}] does not fit w [${w.shape}]`);
  const M = x.rows;
  const k = kernels();
  const y = empty(dtype, M * N);
  k.gemm(false, true, M, N, K, 1, x.data, K, w.data, K, 0, y, N);
  return fromOp(y, [...x.shape.slice(0, -1), N], [x, w], (dy) => {
    if (x.requiresGrad) k.gemm(false, false, M, K, N, 1, dy, N, w.data, K, 1, x.gradBuffer(), K);
    if (w.requiresGrad) k.gemm(true, false, N, K, M, 1, dy, N, x.data, K, 1, w.gradBuffer(), K);
  });
}
