import { DIMENSIONS, IDEA_LABELS, type Scores } from "../idea/index.js";
import type { Generation, SamplingOptions, StepwiseOptions } from "../llm/index.js";
import { precisionOf } from "./best-of-k-fit.js";

/**
 * Steering for backends that cannot take control vectors (an OpenAI-compatible server): sentence by sentence,
 * K continuations are sampled and the reward models keep the one whose idea-so-far scores best under the weights,
 *   weighted:  s* = argmax_{c ∈ {c_1 … c_K}} Σ_k w_k r_k(prefix + c)
 *   centred:   s* = argmax_c Σ_k (w_k − w̄) r_k(prefix + c),   w̄ = mean_k w_k
 *   standardised: s* = argmax_c Σ_k (w_k − w̄) z_k(c),   z_k(c) = (r_k(c) − mean_c' r_k) / std_c' r_k over the K
 *   whitened:  s* = argmax_c (Σ⁻¹ (w − w̄)) · r(c),   Σ the scores' covariance among one round's candidates (fitted)
 *   tracking:  s* = argmin_c (r(c) − t)ᵀ Σ⁻¹ (r(c) − t),   t = r̄ + λ (w − w̄),   r̄ the round's mean, λ fitted
 *   anchored:  the same with t = r̄₁ + λ (w − w̄),   r̄₁ the idea's first scored round's mean, held for every round
 * Weighted selection mostly keeps what scores well on every dimension (the scores move together); centred selection
 * also pushes down the dimensions weighted below the mean, so it trades one dimension for another (equal weights:
 * no preference, the first candidate). Standardised selection also gives each dimension the same pull whatever its
 * spread among the candidates (GDPO's per-dimension normalisation, within one round): a reward model whose scores
 * barely differ between candidates no longer loses every trade to one whose scores differ a lot. Whitened selection
 * undoes the correlation between the dimensions: for candidates scored r ~ N(μ, Σ), the one kept by v · r lies on
 * average at μ + c Σ v, so v = Σ⁻¹ (w − w̄) moves the scores along w − w̄ itself. Centred selection moves them along
 * Σ (w − w̄): asked for feasibility alone, it also pushes down novelty and effectiveness, and feasibility, which
 * rises and falls with them among the candidates, is dragged down too.
 * Tracking makes the push grow with the weights. An argmax of v · r does not change when v is scaled, so whitened
 * selection pushes w = (¼, ½, ¼) as hard towards feasibility as w = (0, 1, 0), and the response flattens above the
 * mean weight (measured on test: feasibility 0.728 / 0.713 / 0.697 at w_F = ½ / ¾ / 1). Keeping the candidate
 * nearest a target that lies λ (w − w̄) from the round's mean moves each score in proportion to w_k − w̄, as far as
 * the K candidates reach; λ is chosen by `steer fit-selection` on recorded rounds.
 * Anchored tracking closes the loop. Tracking's target moves with each round's mean, so every round adds its push
 * to wherever the last pick left the idea, its sampling noise included: the pushes add up, and so does the noise.
 * A target held from the first round lets later rounds pull an idea that overshot, or fell short, back to it: the
 * final idea lands near r̄₁ + λ (w − w̄), as far as the K candidates reach.
 * It needs a backend that continues raw text (`complete`: /v1/completions); a chat API cannot continue a reply.
 */
export type BestOfK = {
  k: number; // candidates per sentence (1: plain sampling through the same loop)
  weights: Scores;
  objective?: BestOfKObjective; // default weighted
  /** Σ for the whitened objective (DIMENSIONS order): `steer fit-selection`'s fit, scored by the same models. */
  covariance?: readonly (readonly number[])[];
  /** λ for the tracking objective: how far the target lies from the round's mean per unit of w − w̄ (the fit's). */
  step?: number;
  /** The reward models on whole texts (scoreIdeas with a cache). */
  score(texts: string[]): Promise<Scores[]>;
  maxSentenceTokens?: number; // a candidate's budget; it is cut at its first sentence end
  /** Called with the text kept so far before each round's candidates are sampled (dynamic control sets eps here). */
  beforeRound?: (text: string) => Promise<void>;
  /** The text kept so far is whole (an idea's last field written): no further round, whatever the model would add. */
  ended?: (text: string) => boolean;
  /**
   * The text may end here (every field of the idea written). A candidate with which the model ends the text is kept
   * only where the text it ends may end: one that stops an idea short of a field would make the whole attempt fail.
   */
  mayEnd?: (text: string) => boolean;
};

/** What best-of-K spent on one text: the compute `generate` reports beside the idea. */
export type BestOfKCost = {
  k: number;
  sentences: number; // rounds of K candidates
  calls: number; // completion requests
  generatedTokens: number; // every candidate's tokens, kept or not (the server's usage)
  scoredTexts: number; // texts sent to the reward models (a cache may answer some)
};

export const BEST_OF_K_OBJECTIVES = [
  "weighted",
  "centred",
  "standardised",
  "whitened",
  "tracking",
  "anchored",
] as const;
export type BestOfKObjective = (typeof BEST_OF_K_OBJECTIVES)[number];

/**
 * The objectives that select by `steer fit-selection`'s fit (best-of-k.json beside the controllers): each reads its
 * Σ, and the field of the fit that holds its λ where it takes one. A new fitted objective is one line here.
 */
export const FITTED_OBJECTIVES = {
  whitened: { lambda: null },
  tracking: { lambda: "step" },
  anchored: { lambda: "anchoredStep" },
} as const satisfies Partial<Record<BestOfKObjective, { lambda: "step" | "anchoredStep" | null }>>;
export type FittedObjective = keyof typeof FITTED_OBJECTIVES;

export const fittedObjective = (o: BestOfKObjective | undefined): o is FittedObjective =>
  o !== undefined && Object.hasOwn(FITTED_OBJECTIVES, o);

/** What each objective keeps, as the CLI's help says it. */
export const BEST_OF_K_OBJECTIVE_HELP =
  "weighted (w · r: the best idea-so-far under the weights), centred ((w − mean w) · r: also pushes down the dimensions weighted below the mean, so the weights trade one dimension for another), standardised (centred, on scores z-scored over the K candidates: every dimension pulls as hard, whatever its spread) or whitened ((Σ⁻¹ (w − mean w)) · r, Σ the candidates' score covariance from `steer fit-selection` (best-of-k.json beside the controllers): the scores move along w − mean w even where the dimensions correlate) or tracking (the candidate nearest, in Σ⁻¹'s metric, a target λ (w − mean w) from the round's mean score, λ from the same fit: each score moves in proportion to its weight's distance from the mean) or anchored (tracking with the target held where the idea's first round put it: later rounds pull an idea that drifted back to it)";

export const BEST_OF_K_LIMITS = { maxK: 32, maxSentences: 64 } as const;
/** A candidate's token budget unless maxSentenceTokens says otherwise (it stops at its first sentence end). */
export const SENTENCE_TOKENS = 64;

/**
 * A raw-text completion. One that decodes step by step (a local model) calls `onToken` and stops a candidate at its
 * first sentence end; a server writes the whole budget and the candidate is cut after (the same text either way).
 */
type Complete = (prompt: string, s: SamplingOptions & Pick<StepwiseOptions, "onToken">) => Promise<Generation>;
/** A round's K completions of one prompt at once (a local model decodes them as one batch per token). */
export type CompleteMany = (
  prompt: string,
  s: (SamplingOptions & Pick<StepwiseOptions, "onToken">)[],
) => Promise<Generation[]>;
type Sampling = Pick<SamplingOptions, "maxTokens" | "temperature" | "topP" | "seed" | "stop" | "signal">;

/**
 * A sentence ends at [.!?] before whitespace, or at a line end (the layout's fields are lines). A line end right
 * after the mark is kept with it: the next candidate then starts on a new line, as the model wrote it (cut between
 * "." and "\n", the text re-tokenises differently and a small policy may end the idea there).
 */
const SENTENCE_END = /[.!?](?=\s)\n?|\n/;

/**
 * Generates one text by best-of-K per sentence. Candidate i of sentence s is sampled with seed (seed, s, i), so the
 * same seed gives the same text. With `many`, each round's K candidates are asked for in one call. Stops when the kept candidate ended the generation (not at a sentence end), when
 * `ended` says the text is whole, when `maxTokens` tokens were kept, or after BEST_OF_K_LIMITS.maxSentences sentences.
 */
export async function generateBestOfK(
  complete: Complete,
  prompt: string,
  o: BestOfK,
  sampling: Sampling,
  many?: CompleteMany,
): Promise<{ text: string; cost: BestOfKCost }> {
  if (!Number.isInteger(o.k) || o.k < 1 || o.k > BEST_OF_K_LIMITS.maxK)
    throw new RangeError(`best-of-K: K = ${o.k}; use 1-${BEST_OF_K_LIMITS.maxK}`);
  const cost: BestOfKCost = { k: o.k, sentences: 0, calls: 0, generatedTokens: 0, scoredTexts: 0 };
  const sentenceBudget = o.maxSentenceTokens ?? SENTENCE_TOKENS;
  let text = "";
  let keptTokens = 0;
  const anchor: Anchor = {};
  while (keptTokens < sampling.maxTokens && cost.sentences < BEST_OF_K_LIMITS.maxSentences) {
    const round = cost.sentences++;
    await o.beforeRound?.(text);
    const sampleRound = async (draw: number) => {
      const options = Array.from({ length: o.k }, (_, i) => ({
        ...sampling,
        maxTokens: Math.min(sentenceBudget, sampling.maxTokens - keptTokens),
        seed: candidateSeed(sampling.seed ?? 0, round, draw * o.k + i),
        onToken: (step: { text: string }) => (SENTENCE_END.test(step.text) ? ("stop" as const) : undefined),
      }));
      const gs = many
        ? await many(prompt + text, options)
        : await Promise.all(options.map((s) => complete(prompt + text, s)));
      cost.calls += gs.length;
      for (const g of gs) cost.generatedTokens += g.usage.completionTokens;
      return gs.map(firstSentence);
    };
    // Only candidates that keep the idea writable, and do not end it short, are kept; a round without one is drawn
    // again, up to twice.
    const usable = (cs: Candidate[]) =>
      cs.filter((c) => writable(prompt + text, c.text) && (!c.final || !o.mayEnd || o.mayEnd(text + c.text)));
    let candidates = await sampleRound(0);
    for (let draw = 1; draw <= 2 && usable(candidates).length === 0; draw++) candidates = await sampleRound(draw);
    const pool = usable(candidates);
    const best = await pickBest(pool.length > 0 ? pool : candidates, text, o, cost, anchor);
    text += best.text;
    keptTokens += best.tokens;
    if (best.final || o.ended?.(text)) break;
  }
  return { text, cost };
}

type Candidate = { text: string; final: boolean; tokens: number };
/** The anchored objective's centre: the first scored round's mean score, set once per idea. */
type Anchor = { centre?: number[] };

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

/**
 * The candidate whose idea-so-far has the highest u · r (the first of equals: seeds decide ties). The candidates are
 * the writable ones where there are any: the reward models score degenerate text at random, and selection would keep
 * it whenever that random score is high.
 */
async function pickBest(
  pool: Candidate[],
  prefix: string,
  o: BestOfK,
  cost: BestOfKCost,
  anchor: Anchor,
): Promise<Candidate> {
  if (pool.length === 1) return pool[0] as Candidate;
  const scores = await o.score(pool.map((c) => prefix + c.text));
  cost.scoredTexts += pool.length;
  if (o.objective === "anchored") anchor.centre ??= roundMean(scores);
  const values = selectionValues(scores, o.weights, o.objective ?? "weighted", o.covariance, o.step, anchor.centre);
  let best = 0;
  for (let i = 1; i < pool.length; i++) if ((values[i] as number) > (values[best] as number)) best = i;
  return pool[best] as Candidate;
}

/**
 * A candidate that keeps the idea writable: no character repeated 8 times in a row (a steered policy's runaway
 * "********"), and no line of the layout ended with its field left empty ("- Dataset Preparation: \n").
 */
export function writable(prefix: string, candidate: string): boolean {
  if (/(\S)\1{7}/.test(candidate)) return false;
  if (!candidate.endsWith("\n")) return true;
  const line = (prefix.slice(prefix.lastIndexOf("\n") + 1) + candidate).trim();
  return !EMPTY_FIELD.test(line);
}

/** A layout line that is a field's label and nothing else (the Experiment Plan heading has no text of its own). */
const EMPTY_FIELD = new RegExp(
  `^(?:- )?(?:${Object.values(IDEA_LABELS)
    .map((l) => l.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"))
    .join("|")}):$`,
);

/**
 * Each candidate's value under the objective, the higher the better: u · r (standardised: u · z, each dimension
 * z-scored over the candidates); tracking: minus the squared Σ⁻¹ distance to the target, which lies λ (w − w̄)
 * from `centre` (anchored: the first round's mean; default and tracking: this round's mean).
 */
export function selectionValues(
  scores: readonly Scores[],
  w: Scores,
  objective: BestOfKObjective,
  covariance?: readonly (readonly number[])[],
  step?: number,
  centre?: readonly number[],
): number[] {
  if (objective === "tracking" || objective === "anchored")
    return trackingValues(scores, w, covariance, step, objective === "anchored" ? centre : undefined);
  const u = selectionWeights(w, objective, covariance);
  const columns = DIMENSIONS.map((d) => scores.map((s) => s[d]));
  const r = objective === "standardised" ? columns.map(standardise) : columns;
  return scores.map((_, i) => DIMENSIONS.reduce((a, _d, k) => a + (u[k] as number) * (r[k]?.[i] as number), 0));
}

/** −(r − t)ᵀ Σ⁻¹ (r − t) with t = c + λ (w − w̄), c the round's mean or a given centre: nearest is best. */
function trackingValues(
  scores: readonly Scores[],
  w: Scores,
  covariance?: readonly (readonly number[])[],
  step?: number,
  centre: readonly number[] = roundMean(scores),
): number[] {
  if (!covariance || step === undefined)
    throw new RangeError("tracking best-of-K needs the candidates' score covariance and a step (a fit)");
  const precision = precisionOf(covariance);
  const centred = selectionWeights(w, "centred");
  const target = DIMENSIONS.map((_d, k) => (centre[k] as number) + step * (centred[k] as number));
  return scores.map((s) => {
    const x = DIMENSIONS.map((d, k) => s[d] - (target[k] as number));
    return -x.reduce(
      (a, xi, i) => a + xi * (precision[i] as number[]).reduce((b, p, j) => b + p * (x[j] as number), 0),
      0,
    );
  });
}

/** The mean score per dimension over one round's candidates (DIMENSIONS order). */
const roundMean = (scores: readonly Scores[]): number[] =>
  DIMENSIONS.map((d) => scores.reduce((a, s) => a + s[d], 0) / scores.length);

/** (x − mean) / std; all zeros where the candidates do not differ (that dimension then decides nothing). */
function standardise(xs: number[]): number[] {
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  const sd = Math.sqrt(xs.reduce((a, x) => a + (x - mean) ** 2, 0) / xs.length);
  return xs.map((x) => (sd > 1e-9 ? (x - mean) / sd : 0));
}

/** u in u · r: the weights as they are, less their mean (centred, standardised), or that times Σ⁻¹ (whitened). */
export function selectionWeights(
  w: Scores,
  objective: BestOfKObjective,
  covariance?: readonly (readonly number[])[],
): number[] {
  const ws = DIMENSIONS.map((d) => w[d]);
  const mean = objective === "weighted" ? 0 : ws.reduce((a, b) => a + b, 0) / ws.length;
  const centred = ws.map((x) => x - mean);
  if (objective !== "whitened") return centred;
  if (!covariance) throw new RangeError("whitened best-of-K needs the candidates' score covariance (a fit)");
  return precisionOf(covariance).map((r) => r.reduce((a, x, k) => a + x * (centred[k] as number), 0));
}

/** A seed per (run seed, sentence, candidate). */
function candidateSeed(seed: number, sentence: number, candidate: number): number {
  let h = (seed ^ 0x2545f491) >>> 0;
  for (const x of [sentence, candidate]) h = Math.imul(h ^ (x + 0x9e3779b9), 0x85ebca6b) >>> 0;
  return h % 2_147_483_647;
}
