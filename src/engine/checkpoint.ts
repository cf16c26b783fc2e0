/**
 * Activation checkpointing, as torch.utils.checkpoint: runs a function without recording its graph, so none of
 * its intermediate activations are kept, and runs it again during the backward pass, this time recording, to
 * back-propagate through it. Per llama block this keeps one [B*T, dModel] input per layer instead of the block's
 * ~15 activations (the attention, MLP and norm outputs), for one extra forward pass of the block.
 */
import { kernels } from "./native-kernels.js";
import { fromOp, type Tensor, tensor } from "./tensor.js";

/**
 * `fn(xs, record)` must compute the same values whether it records a graph or not: with record = false it must
 * read its parameters through leaves that do not require grad, with record = true through gradient leaves (`params`,
 * listed so the graph knows this op reaches them even when no input requires grad).
 */
export function checkpoint(fn: (xs: Tensor[], record: boolean) => Tensor, xs: Tensor[], params: Tensor[]): Tensor {
  const out = fn(
    xs.map((x) => x.detach()),
    false,
  );
  return fromOp(out.data, out.shape, [...xs, ...params], (dout) => {
    // Fresh leaves for the inputs: back-propagating into the inputs' own producers here would run their backward
    // before the outer pass does, and twice. Their gradients are handed on below instead.
    const replicas = xs.map((x) => tensor(x.data, x.shape, { requiresGrad: x.requiresGrad }));
    const y = fn(replicas, true);
    if (!y.requiresGrad) return;
    y.backward(dout);
    xs.forEach((x, i) => {
      const g = (replicas[i] as Tensor).grad;
      if (x.requiresGrad && g) kernels().axpy(x.gradBuffer(), g, 1, g.length, g.length);
    });
  });
}
