import { DIMENSIONS, type Scores } from "../idea/index.js";
import type { Generation, SamplingOptions } from "../llm/index.js";

/**
 * Steering for backends that cannot take control vectors (an OpenAI-compatible server): sentence by sentence,
 * K continuations are sampled and the reward models keep the one whose idea-so-far scores best under the weights,
 *   weighted:  s* = argmax_{c ∈ {c_1 … c_K}} Σ_k w_k r_k(prefix + c)
 *   centred:   s* = argmax_c Σ_k (w_k − w̄) r_k(prefix + c),   w̄ = mean_k w_k
 * Weighted selection mostly keeps what scores well on every dimension (the scores move together); centred selection
 * also pushes down the dimensions weighted below the mean, so it trades one dimension for another (equal weights:
 * no preference, the first candidate).
 * It needs a backend that continues raw text (`complete`: /v1/completions); a chat API cannot continue a reply.
 */
export type BestOfK = {
  k: number; // candidates per sentence (1: plain sampling through the same loop)
  weights: Scores;
  objective?: BestOfKObjective; // default weighted
  /** The reward models on whole texts (scoreIdeas with a cache). */
  score(texts: string[]): Promise<Scores[]>;
  maxSentenceTokens?: number; // a candidate's budget; it is cut at its first sentence end
};

/** What best-of-K spent on one text: the compute `generate` reports beside the idea. */
export type BestOfKCost = {
  k: number;
  sentences: number; // rounds of K candidates
  calls: number; // completion requests
  generatedTokens: number; // every candidate's tokens, kept or not (the server's usage)
  scoredTexts: number; // texts sent to the reward models (a cache may answer some)
};

export const BEST_OF_K_OBJECTIVES = ["weighted", "centred"] as const;
export type BestOfKObjective = (typeof BEST_OF_K_OBJECTIVES)[number];

export const BEST_OF_K_LIMITS = { maxK: 16, maxSentences: 64 } as const;

type Complete = (prompt: string, s: SamplingOptions) => Promise<Generation>;
type Sampling = Pick<SamplingOptions, "maxTokens" | "temperature" | "topP" | "seed" | "stop" | "signal">;

/**
 * A sentence ends at [.!?] before whitespace, or at a line end (the layout's fields are lines). A line end right
 * after the mark is kept with it: the next candidate then starts on a new line, as the model wrote it (cut between
 * "." and "\n", the text re-tokenises differently and a small policy may end the idea there).
 */
const SENTENCE_END = /[.!?](?=\s)\n?|\n/;

/**
 * Generates one text by best-of-K per sentence. Candidate i of sentence s is sampled with seed (seed, s, i), so the
 * same seed gives the same text. Stops when the kept candidate ended the generation (not at a sentence end), when
 * `maxTokens` tokens were kept, or after BEST_OF_K_LIMITS.maxSentences sentences.
 */
export async function generateBestOfK(
  complete: Complete,
  prompt: string,
  o: BestOfK,
  sampling: Sampling,
): Promise<{ text: string; cost: BestOfKCost }> {
  if (!Number.isInteger(o.k) || o.k < 1 || o.k > BEST_OF_K_LIMITS.maxK)
    throw new RangeError(`best-of-K: K = ${o.k}; use 1-${BEST_OF_K_LIMITS.maxK}`);
  const cost: BestOfKCost = { k: o.k, sentences: 0, calls: 0, generatedTokens: 0, scoredTexts: 0 };
  const sentenceBudget = o.maxSentenceTokens ?? 64;
  let text = "";
  let keptTokens = 0;
  while (keptTokens < sampling.maxTokens && cost.sentences < BEST_OF_K_LIMITS.maxSentences) {
    const round = cost.sentences++;
    const candidates = await Promise.all(
      Array.from({ length: o.k }, async (_, i) => {
        const g = await complete(prompt + text, {
          ...sampling,
          maxTokens: Math.min(sentenceBudget, sampling.maxTokens - keptTokens),
          seed: candidateSeed(sampling.seed ?? 0, round, i),
        });
        cost.calls++;
        cost.generatedTokens += g.usage.completionTokens;
        return firstSentence(g);
      }),
    );
    const best = await pickBest(candidates, text, o, cost);
    text += best.text;
    keptTokens += best.tokens;
    if (best.final) break;
  }
  return { text, cost };
}

type Candidate = { text: string; final: boolean; tokens: number };

/**
 * A completion cut at its first sentence end. `final`: the generation itself ended there (a stop, not the budget)
 * without reaching a sentence end, or nothing came. Its token count is prorated by the characters kept.
 */
function firstSentence(g: Generation): Candidate {
  const m = SENTENCE_END.exec(g.text);
  const n = g.usage.completionTokens;
  if (!m) return { text: g.text, final: g.finishReason === "stop" || g.text === "", tokens: Math.max(1, n) };
  const text = g.text.slice(0, m.index + m[0].length);
  return { text, final: false, tokens: Math.max(1, Math.round((n * text.length) / Math.max(1, g.text.length))) };
}

/** The candidate whose idea-so-far has the highest u · r (the first of equals: seeds decide ties). */
async function pickBest(cands: Candidate[], prefix: string, o: BestOfK, cost: BestOfKCost): Promise<Candidate> {
  if (cands.length === 1) return cands[0] as Candidate;
  const scores = await o.score(cands.map((c) => prefix + c.text));
  cost.scoredTexts += cands.length;
  const u = selectionWeights(o.weights, o.objective ?? "weighted");
  const value = (s: Scores | undefined) => DIMENSIONS.reduce((a, d, k) => a + (u[k] as number) * (s?.[d] ?? 0), 0);
  let best = 0;
  for (let i = 1; i < cands.length; i++) if (value(scores[i]) > value(scores[best])) best = i;
  return cands[best] as Candidate;
}

/** u in u · r: the weights as they are, or less their mean (centred). */
export function selectionWeights(w: Scores, objective: BestOfKObjective): number[] {
  const ws = DIMENSIONS.map((d) => w[d]);
  const mean = objective === "centred" ? ws.reduce((a, b) => a + b, 0) / ws.length : 0;
  return ws.map((x) => x - mean);
}

/** A seed per (run seed, sentence, candidate). */
function candidateSeed(seed: number, sentence: number, candidate: number): number {
  let h = (seed ^ 0x2545f491) >>> 0;
  for (const x of [sentence, candidate]) h = Math.imul(h ^ (x + 0x9e3779b9), 0x85ebca6b) >>> 0;
  return h % 2_147_483_647;
}
