import type { Rng } from "../core/index.js";
import { DIMENSIONS, type Scores } from "../idea/index.js";
import type { ControlVector, LocalModel, StepwiseOptions } from "../llm/index.js";
import { type ControllerSet, combineControllers } from "./controller-set.js";
import { createLayoutGuard } from "./layout-guard.js";
import { decideStrengths, decoderFeatures, type SentenceDecoder, sectionOf } from "./sentence-decoder.js";

/** One decision of the decoder: its input and the strengths it chose (training reads them back). */
export type Decision = { x: Float32Array; eps: number[] };

export type DynamicControl = {
  controllers: ControllerSet;
  decoder: SentenceDecoder;
  weights: Scores;
  /** The reward models on the idea so far (scoreIdeas with a cache: prefixes repeat across attempts). */
  score(texts: string[]): Promise<Scores[]>;
  /** Draw strengths around the decoder's output (training); absent: its output as is. */
  rng?: Rng;
  /** Told each decision as it is made (sentence events carry the strengths in use). */
  onDecision?: (d: Decision) => void;
};

const NEUTRAL: Scores = { novelty: 0.5, feasibility: 0.5, effectiveness: 0.5 };

/** How many sentences a text has finished: ends of sentences followed by whitespace, and line ends. */
const finishedSentences = (text: string) => (text.match(/[.!?](?=\s)|\n/g) ?? []).length;

/**
 * Generates with dynamic control (DESIGN §4): before the first token and at every sentence boundary the decoder
 * reads (w, section, the reward models' scores of the text so far) and sets the strengths for the next sentence,
 * applied as one control vector Σ_k eps_k v_k per layer from the next token on (off while a line's label is written:
 * createLayoutGuard). Returns the text, the tokens, and
 * every decision (eps per sentence). The control vector is cleared afterwards.
 */
export async function generateWithDynamicControl(
  model: LocalModel,
  prompt: number[],
  dyn: DynamicControl,
  sampling: Omit<StepwiseOptions, "onToken">,
): Promise<{ text: string; tokens: number[]; decisions: Decision[]; finishReason: string }> {
  const decider = createDecider(dyn);
  const decide = async (prefix: string) => guard.steer(await decider.decide(prefix), prefix);
  const guard = createLayoutGuard(model);
  let done = 0;
  try {
    await decide("");
    const g = await model.generate(prompt, {
      ...sampling,
      onToken: async (step) => {
        const n = finishedSentences(step.text);
        if (n > done) {
          done = n;
          await decide(step.text);
        } else guard.sync(step.text);
      },
    });
    return { text: g.text, tokens: g.tokens, decisions: decider.decisions, finishReason: g.finishReason };
  } finally {
    guard.end();
  }
}

/**
 * The decoder's decisions for one idea: `decide(prefix)` reads (w, section, the reward models' scores of the text so
 * far), chooses eps for the next sentence and returns the control vector Σ_k eps_k v_k; every decision is kept.
 */
export function createDecider(dyn: DynamicControl) {
  const decisions: Decision[] = [];
  const decide = async (prefix: string): Promise<ControlVector> => {
    const scores = prefix.trim() ? ((await dyn.score([prefix]))[0] ?? NEUTRAL) : NEUTRAL;
    const x = decoderFeatures(dyn.weights, sectionOf(prefix), scores);
    const eps = decideStrengths(dyn.decoder, x, dyn.rng);
    decisions.push({ x, eps });
    dyn.onDecision?.({ x, eps });
    return combineControllers(dyn.controllers, eps);
  };
  return { decide, decisions };
}

/** Strengths as DIMENSIONS-ordered rows, one per sentence decision (what `generate --json` reports). */
export const strengthsOf = (decisions: readonly Decision[]): number[][] =>
  decisions.map((d) => DIMENSIONS.map((_, k) => d.eps[k] as number));
