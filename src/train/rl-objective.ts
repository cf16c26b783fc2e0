import { DIMENSIONS, type Scores } from "../idea/index.js";

/**
 * The pieces of controllable RL's objective (DESIGN §5, issue 12), each a pure function with the equation it
 * implements above it, as a CleanRL file shows them. The RL stage composes them; tests pin each one.
 */

/** Control weights per prompt: w ~ Dirichlet(1, 1, 1) (idea/'s sampler, shared with the decoder's warm start). */
export { sampleWeights } from "../idea/index.js";

/**
 * Log-sigmoid reward transform ("Transforming and Combining Rewards", Wang et al. 2024): u = log σ(r − r_ref),
 * concave, so a sum over dimensions rewards being good on all of them rather than excellent on one.
 */
export const logSigmoid = (r: number, ref: number): number => {
  const x = r - ref;
  return x >= 0 ? -Math.log1p(Math.exp(-x)) : x - Math.log1p(Math.exp(x));
};

/**
 * GDPO advantages for one batch of groups (G ideas per prompt, each scored on the three dimensions):
 *   Â_{i,k} = (r_{i,k} − mean_g r_{·,k}) / (std_g r_{·,k} + ε)     per dimension, within the group
 *   A_i     = Σ_k w_k Â_{i,k}                                       the prompt's control weights
 *   A_i     ← (A_i − mean_batch A) / (std_batch A + ε)              across the batch
 * A dimension with zero variance in a group contributes 0 there (counted: such groups teach nothing on it).
 * `centred` weighs by w_k − w̄ instead (w̄ = 1/3): an idea that raises every dimension alike earns nothing, one that
 * lowers a dimension weighted below the mean earns, so the weights trade one dimension for another.
 */
export function gdpoAdvantages(
  groups: readonly { rewards: readonly Scores[]; weights: Scores }[],
  eps = 1e-6,
  objective: "weighted" | "centred" = "weighted",
): { advantages: number[][]; zeroVariance: number } {
  let zeroVariance = 0;
  const centre = objective === "centred" ? 1 / DIMENSIONS.length : 0;
  const raw = groups.map(({ rewards, weights }) => {
    const a = rewards.map(() => 0);
    for (const d of DIMENSIONS) {
      const xs = rewards.map((r) => r[d]);
      const mean = xs.reduce((p, q) => p + q, 0) / xs.length;
      const sd = Math.sqrt(xs.reduce((p, q) => p + (q - mean) ** 2, 0) / xs.length);
      if (sd < eps) {
        zeroVariance++;
        continue;
      }
      xs.forEach((x, i) => {
        a[i] = (a[i] as number) + (weights[d] - centre) * ((x - mean) / (sd + eps));
      });
    }
    return a;
  });
  const all = raw.flat();
  const mean = all.reduce((p, q) => p + q, 0) / Math.max(1, all.length);
  const sd = Math.sqrt(all.reduce((p, q) => p + (q - mean) ** 2, 0) / Math.max(1, all.length));
  return { advantages: raw.map((a) => a.map((x) => (sd < eps ? 0 : (x - mean) / (sd + eps)))), zeroVariance };
}

/**
 * The k3 estimator of KL(π_θ ‖ π_ref) per token (Schulman 2020), unbiased and never negative:
 *   KL ≈ (ρ − 1) − log ρ,   ρ = π_ref(a|s) / π_θ(a|s) = exp(logp_ref − logp)
 * and its derivative with respect to logp: d/dlogp = 1 − ρ.
 */
export function k3Kl(logp: number, logpRef: number): { kl: number; dLogp: number } {
  const rho = Math.exp(logpRef - logp);
  return { kl: rho - 1 - (logpRef - logp), dLogp: 1 - rho };
}

/**
 * PPO's clipped surrogate per token, as a loss to minimise (Schulman et al. 2017):
 *   L = −min(ρ A, clip(ρ, 1 − ε, 1 + ε) A),   ρ = exp(logp − logp_old)
 * and dL/dlogp: −ρ A where the unclipped term is the minimum, 0 where clipping holds it.
 */
export function clippedSurrogate(
  logp: number,
  logpOld: number,
  advantage: number,
  clip: number,
): { loss: number; dLogp: number } {
  const rho = Math.exp(logp - logpOld);
  const unclipped = rho * advantage;
  const clipped = Math.min(Math.max(rho, 1 - clip), 1 + clip) * advantage;
  return unclipped <= clipped ? { loss: -unclipped, dLogp: -unclipped } : { loss: -clipped, dLogp: 0 };
}
