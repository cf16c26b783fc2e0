import { kernels } from "../native-kernels.js";
import { alloc, empty, type FloatArray, fromOp, sameDType, type Tensor } from "../tensor.js";

/**
 * a + b, where b has a's shape or is one row broadcast over a's rows ([D] onto [rows, D]: the residual-stream
 * steering add h_l <- h_l + s_l of DESIGN §4).
 */
export function add(a: Tensor, b: Tensor): Tensor {
  const dtype = sameDType(a, b);
  const n = a.size;
  const D = b.size;
  if (D !== n && a.width !== D) throw new Error(`add: cannot broadcast [${b.shape}] onto [${a.shape}]`);
  const k = kernels();
  const y = empty(dtype, n);
  y.set(a.data);
  k.axpy(y, b.data, 1, n, D);
  return fromOp(y, a.shape, [a, b], (dy) => {
    if (a.requiresGrad) passGrad(a, dy);
    if (b.requiresGrad) {
      if (D === n) k.axpy(b.gradBuffer(), dy, 1, n, n);
      else k.sumRows(b.gradBuffer(), dy, n / D, D);
    }
  });
}

/**
 * Adds dy into t's gradient. When t has none yet, t takes dy's buffer itself instead of a zeroed copy: the op that
 * owns dy has finished its backward, so nothing else writes there (only the first input may do this, so two
 * tensors never share one buffer).
 */
function passGrad(t: Tensor, dy: FloatArray): void {
  if (t.grad === null) t.grad = dy;
  else kernels().axpy(t.grad, dy, 1, dy.length, dy.length);
}

/** a * b elementwise (same shape). */
export function mul(a: Tensor, b: Tensor): Tensor {
  const dtype = sameDType(a, b);
  if (a.size !== b.size) throw new Error(`mul: shapes [${a.shape}] and [${b.shape}] differ`);
  const n = a.size;
  const y = alloc(dtype, n);
  for (let i = 0; i < n; i++) y[i] = (a.data[i] as number) * (b.data[i] as number);
  return fromOp(y, a.shape, [a, b], (dy) => {
    if (a.requiresGrad) {
      const da = a.gradBuffer();
      for (let i = 0; i < n; i++) da[i] = (da[i] as number) + (dy[i] as number) * (b.data[i] as number);
    }
    if (b.requiresGrad) {
      const db = b.gradBuffer();
      for (let i = 0; i < n; i++) db[i] = (db[i] as number) + (dy[i] as number) * (a.data[i] as number);
    }
  });
}

/** Sum of all elements, a scalar [1]. */
export function sum(a: Tensor): Tensor {
  let s = 0;
  for (let i = 0; i < a.size; i++) s += a.data[i] as number;
  const y = alloc(a.dtype, 1);
  y[0] = s;
  return fromOp(y, [1], [a], (dy) => {
    const da = a.gradBuffer();
    const g = dy[0] as number;
    for (let i = 0; i < a.size; i++) da[i] = (da[i] as number) + g;
  });
}
