import type { Param } from "./llama.js";
import { kernels } from "./native-kernels.js";

/**
 * Scales all gradients so their global L2 norm is at most maxNorm (torch.nn.utils.clip_grad_norm_: factor
 * maxNorm / (norm + 1e-6) when norm > maxNorm). Returns the norm before clipping; a non-finite norm is returned
 * without touching the gradients, so the caller can skip the step.
 */
export function clipGradNorm(params: Map<string, Pick<Param, "grad">>, maxNorm: number): number {
  const k = kernels();
  let ss = 0;
  for (const p of params.values()) ss += k.sumSquares(p.grad);
  const norm = Math.sqrt(ss);
  if (Number.isFinite(norm) && norm > maxNorm) {
    const f = maxNorm / (norm + 1e-6);
    for (const p of params.values()) k.scale(p.grad, f);
  }
  return norm;
}
