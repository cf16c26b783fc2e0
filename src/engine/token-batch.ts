/**
 * The one batch type of language-model training: the engine's loss takes it, the trainer's loop steps on it,
 * the samplers make it. Two counts, two names: `lossTokens` is what the loss is normalised by, `batchPositions`
 * is what the forward pass processed (throughput).
 */

/** B sequences of T tokens, row-major [B, T]; targets are the next tokens; mask (0/1 or weights) selects loss tokens. */
export type TokenBatch = { tokens: Int32Array; targets: Int32Array; mask?: Float32Array; B: number; T: number };

/**
 * The tokens that carry loss: Σ mask (a weighted mask counts its weights), or B·T without a mask. The summed
 * masked cross-entropy divided by this is the mean loss per loss token, so it is the loss normaliser.
 */
export function lossTokens(b: TokenBatch): number {
  if (!b.mask) return b.B * b.T;
  let n = 0;
  for (let i = 0; i < b.mask.length; i++) n += b.mask[i] as number;
  return n;
}

/** Every position the forward pass runs on, loss-carrying or not: B·T (throughput, never the normaliser). */
export const batchPositions = (b: TokenBatch): number => b.B * b.T;
