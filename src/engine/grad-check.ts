/**
 * Gradient checking: compares the autograd gradient of a scalar function with central finite differences,
 * (f(x + h) - f(x - h)) / 2h, coordinate by coordinate. Meant for float64 tensors, where h = 1e-5 gives about
 * 1e-9 agreement on smooth functions.
 */
import type { Rng } from "../core/index.js";
import type { Tensor } from "./tensor.js";

export type GradCheckResult = {
  maxAbsErr: number;
  maxRelErr: number; // |analytic - numeric| / max(|analytic|, |numeric|, 1e-3)
  checked: number; // coordinates compared
};

/**
 * `f` must rebuild its graph from `inputs` on each call and return a scalar tensor. At most `maxPerInput`
 * coordinates of each input are checked, chosen by `rng` (all of them when the input is small).
 */
export function gradCheck(
  f: () => Tensor,
  inputs: Tensor[],
  o: { h?: number; maxPerInput?: number; rng?: Rng } = {},
): GradCheckResult {
  const h = o.h ?? 1e-5;
  const maxPerInput = o.maxPerInput ?? 64;
  for (const x of inputs) if (x.grad) x.grad.fill(0);
  f().backward();
  let maxAbsErr = 0;
  let maxRelErr = 0;
  let checked = 0;
  for (const x of inputs) {
    if (!x.requiresGrad) throw new Error("gradCheck: every input must require grad");
    const analytic = x.grad ? Float64Array.from(x.grad) : new Float64Array(x.size);
    const coords = pickCoords(x.size, maxPerInput, o.rng);
    for (const i of coords) {
      const saved = x.data[i] as number;
      x.data[i] = saved + h;
      const up = f().item();
      x.data[i] = saved - h;
      const down = f().item();
      x.data[i] = saved;
      const numeric = (up - down) / (2 * h);
      const a = analytic[i] as number;
      const abs = Math.abs(a - numeric);
      maxAbsErr = Math.max(maxAbsErr, abs);
      maxRelErr = Math.max(maxRelErr, abs / Math.max(Math.abs(a), Math.abs(numeric), 1e-3));
      checked++;
    }
  }
  return { maxAbsErr, maxRelErr, checked };
}

function pickCoords(n: number, max: number, rng?: Rng): number[] {
  if (n <= max || !rng)
    return Array.from({ length: Math.min(n, max) }, (_, i) => Math.floor((i * n) / Math.min(n, max)));
  const picked = new Set<number>();
  while (picked.size < max) picked.add(rng.int(n));
  return [...picked].sort((a, b) => a - b);
}
