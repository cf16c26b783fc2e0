import { lossTokens, type TokenBatch } from "../engine/index.js";

/** A bigram language model fitted on the training stream: the baseline the pretrained model must beat. */
export type BigramModel = { vocabSize: number; logProb(prev: number, next: number): number };

/**
 * Interpolated absolute discounting (d = 0.75, the usual Kneser-Ney discount):
 *   p(w|v) = max(c(v,w) − d, 0)/c(v) + d·N1+(v·)/c(v) · p_uni(w),   p_uni(w) = (c(w) + 1)/(N + V)
 * with p(w|v) = p_uni(w) for a v never seen as a predecessor. Every token gets a non-zero probability.
 */
export function fitBigram(stream: ArrayLike<number>, vocabSize: number, discount = 0.75): BigramModel {
  const pair = new Map<number, number>();
  const prevCount = new Float64Array(vocabSize);
  const followers = new Float64Array(vocabSize);
  const uni = new Float64Array(vocabSize);
  for (let i = 0; i < stream.length; i++) uni[stream[i] as number]++;
  for (let i = 1; i < stream.length; i++) {
    const v = stream[i - 1] as number;
    const key = v * vocabSize + (stream[i] as number);
    const c = pair.get(key) ?? 0;
    if (c === 0) followers[v]++;
    pair.set(key, c + 1);
    prevCount[v]++;
  }
  const pUni = (w: number) => ((uni[w] as number) + 1) / (stream.length + vocabSize);
  return {
    vocabSize,
    logProb(v, w) {
      const cv = prevCount[v] as number;
      if (cv === 0) return Math.log(pUni(w));
      const cvw = pair.get(v * vocabSize + w) ?? 0;
      return Math.log(Math.max(cvw - discount, 0) / cv + ((discount * (followers[v] as number)) / cv) * pUni(w));
    },
  };
}

/** Σ_t m_t · −log p(target_t | token_t) over the batches, and its normaliser Σ lossTokens (the engine's loss, bigram). */
export function bigramLoss(model: BigramModel, batches: TokenBatch[]): { loss: number; lossTokens: number } {
  let loss = 0;
  let n = 0;
  for (const b of batches) {
    for (let i = 0; i < b.tokens.length; i++) {
      const m = b.mask ? (b.mask[i] as number) : 1;
      if (m !== 0) loss -= m * model.logProb(b.tokens[i] as number, b.targets[i] as number);
    }
    n += lossTokens(b);
  }
  return { loss, lossTokens: n };
}
