/**
 * AdamW as PyTorch's torch.optim.AdamW (decoupled weight decay): p <- p (1 - lr wd), then
 * p <- p - lr mhat / (sqrt(vhat) + eps) with bias-corrected moments. Weight decay applies to matrices only: norms
 * (1-D) and the token embedding (also the tied output head) are not decayed, as in nanoGPT and llama recipes.
 */
import type { Param } from "./llama.js";
import { kernels } from "./native-kernels.js";

export type AdamWOptions = { lr: number; beta1: number; beta2: number; eps: number; weightDecay: number };
export type AdamWState = { step: number; m: Map<string, Float32Array>; v: Map<string, Float32Array> };
export type AdamW = {
  /** One update from the params' current grads; lr defaults to the options' lr (schedules pass their own). */
  step(lr?: number): void;
  /** A copy of the step count and moments, for checkpoints. */
  state(): AdamWState;
  /** Restores a state() exactly; names and sizes must match the params. */
  loadState(s: AdamWState): void;
};

/** Whether AdamW decays this parameter: matrices yes, norms and the token embedding no. */
export const isDecayed = (name: string, p: Pick<Param, "shape">): boolean =>
  p.shape.length >= 2 && name !== "token_embd.weight";

export function createAdamW(params: Map<string, Pick<Param, "shape" | "data" | "grad">>, o: AdamWOptions): AdamW {
  const k = kernels();
  const m = new Map<string, Float32Array>();
  const v = new Map<string, Float32Array>();
  for (const [name, p] of params) {
    m.set(name, new Float32Array(p.data.length));
    v.set(name, new Float32Array(p.data.length));
  }
  let t = 0;
  return {
    step(lr = o.lr) {
      t++;
      const bc1 = 1 - o.beta1 ** t;
      const bc2 = 1 - o.beta2 ** t;
      for (const [name, p] of params) {
        const wd = isDecayed(name, p) ? o.weightDecay : 0;
        k.adamwStep(p.data, p.grad, m.get(name)!, v.get(name)!, lr, o.beta1, o.beta2, o.eps, wd, bc1, bc2);
      }
    },
    state: () => ({
      step: t,
      m: new Map([...m].map(([n, a]) => [n, a.slice()])),
      v: new Map([...v].map(([n, a]) => [n, a.slice()])),
    }),
    loadState(s) {
      for (const [name, p] of params) {
        const sm = s.m.get(name);
        const sv = s.v.get(name);
        if (!sm || !sv || sm.length !== p.data.length || sv.length !== p.data.length)
          throw new Error(`optimizer state does not fit parameter ${name}`);
      }
      for (const name of params.keys()) {
        m.get(name)!.set(s.m.get(name)!);
        v.get(name)!.set(s.v.get(name)!);
      }
      t = s.step;
    },
  };
}
