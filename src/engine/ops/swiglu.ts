import { kernels } from "../native-kernels.js";
import { alloc, empty, fromOp, sameDType, type Tensor } from "../tensor.js";

/** The SwiGLU gate: silu(g) * u elementwise (silu(z) = z * sigmoid(z)); the MLP's two projections feed g and u. */
export function swiglu(g: Tensor, u: Tensor): Tensor {
  const dtype = sameDType(g, u);
  if (g.size !== u.size) throw new Error(`swiglu: gate has ${g.size} values, up has ${u.size}`);
  const k = kernels();
  const h = empty(dtype, g.size);
  k.swigluForward(g.data, u.data, h, g.size);
  return fromOp(h, g.shape, [g, u], (dh) => {
    const dg = g.requiresGrad ? g.gradBuffer() : alloc(dtype, g.size);
    const du = u.requiresGrad ? u.gradBuffer() : alloc(dtype, u.size);
    k.swigluBackward(dh, g.data, u.data, dg, du, g.size);
  });
}
