import { alloc, fromOp, sameDType, type Tensor } from "../tensor.js";

/**
 * a + b, where b has a's shape or is one row broadcast over a's rows ([D] onto [rows, D]: the residual-stream
 * steering add h_l <- h_l + s_l of DESIGN §4).
 */
export function add(a: Tensor, b: Tensor): Tensor {
  const dtype = sameDType(a, b);
  const n = a.size;
  const y = alloc(dtype, n);
  const ad = a.data;
  const bd = b.data;
  if (b.size === n) {
    for (let i = 0; i < n; i++) y[i] = (ad[i] as number) + (bd[i] as number);
    return fromOp(y, a.shape, [a, b], (dy) => {
      if (a.requiresGrad) addInto(a.gradBuffer(), dy);
      if (b.requiresGrad) addInto(b.gradBuffer(), dy);
    });
  }
  const D = b.size;
  if (a.width !== D) throw new Error(`add: cannot broadcast [${b.shape}] onto [${a.shape}]`);
  for (let i = 0; i < n; i += D) for (let j = 0; j < D; j++) y[i + j] = (ad[i + j] as number) + (bd[j] as number);
  return fromOp(y, a.shape, [a, b], (dy) => {
    if (a.requiresGrad) addInto(a.gradBuffer(), dy);
    if (b.requiresGrad) {
      const db = b.gradBuffer();
      for (let i = 0; i < n; i += D) for (let j = 0; j < D; j++) db[j] = (db[j] as number) + (dy[i + j] as number);
    }
  });
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

function addInto(dst: Float32Array | Float64Array, src: Float32Array | Float64Array): void {
  for (let i = 0; i < dst.length; i++) dst[i] = (dst[i] as number) + (src[i] as number);
}
