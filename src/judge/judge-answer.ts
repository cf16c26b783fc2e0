import { z } from "zod";
import { DIMENSIONS, type Dimension } from "../idea/index.js";
import type { JsonSchema } from "../llm/index.js";

/**
 * What the judge asks the model to write, and how an answer is checked. Per dimension the model
 * writes its rationale first, then the ids of the retrieved papers it relies on, then the 1-10
 * score, so the score is conditioned on the reasoning (and a cut-off answer loses the rationale's
 * tail, never silently a score: see repairJson).
 */
export const SCORE_MIN = 1;
export const SCORE_MAX = 10;
/** DESIGN §3: a novelty score under this must name the similar works. */
export const NOVELTY_CITE_BELOW = 6;

/** (s - 1) / 9: the 1-10 rubric score on [0, 1] (DESIGN §3). */
export const mapScore = (score: number): number => (score - SCORE_MIN) / (SCORE_MAX - SCORE_MIN);

// Models without a grammar write "7", "7/10" or 7.0; the leading number is the score, and it must be a whole 1-10.
const Score = z.preprocess(
  (v) => (typeof v === "string" && /^\s*\d+(?:\.\d+)?/.test(v) ? Number.parseFloat(v) : v),
  z.number().int("a score is a whole number").min(SCORE_MIN).max(SCORE_MAX),
);

const DimensionAnswer = z.object({
  rationale: z.string().trim().min(1, "the rationale is empty"),
  citedIds: z.array(z.string()).default([]),
  score: Score,
});

export const JudgeAnswer = z.object({
  novelty: DimensionAnswer,
  feasibility: DimensionAnswer,
  effectiveness: DimensionAnswer,
});
export type JudgeAnswer = z.infer<typeof JudgeAnswer>;

/** One dimension of a checked answer. */
export type DimensionScore = {
  score: number; // 1-10
  mapped: number; // (score - 1) / 9, in [0, 1]
  rationale: string;
  citedIds: string[]; // only ids of papers that were in the prompt, in the order cited, without repeats
  droppedCitations: number; // ids the model cited that were not in the prompt
};
export type DimensionScores = Record<Dimension, DimensionScore>;

export type AnswerCheck = { ok: true; scores: DimensionScores } | { ok: false; problems: string[] };

/**
 * Schema-checks a parsed answer against the papers that were in the prompt (`allowedIds`); with
 * `noveltyNeedsCitation` (related work was retrieved) a novelty under 6 that cites none of it fails.
 */
export function checkAnswer(
  value: unknown,
  opts: { allowedIds: readonly string[]; noveltyNeedsCitation: boolean },
): AnswerCheck {
  const parsed = JudgeAnswer.safeParse(value);
  if (!parsed.success) {
    return { ok: false, problems: parsed.error.issues.map((i) => `${i.path.join(".") || "answer"}: ${i.message}`) };
  }
  const allowed = new Set(opts.allowedIds);
  const scores = {} as DimensionScores;
  for (const d of DIMENSIONS) {
    const a = parsed.data[d];
    const kept: string[] = [];
    let dropped = 0;
    for (const raw of a.citedIds) {
      const id = raw.trim().replace(/^\[(.*)\]$/, "$1"); // "[neurips2023/x]" as the blocks print it
      if (!allowed.has(id)) dropped++;
      else if (!kept.includes(id)) kept.push(id);
    }
    scores[d] = {
      score: a.score,
      mapped: mapScore(a.score),
      rationale: a.rationale,
      citedIds: kept,
      droppedCitations: dropped,
    };
  }
  const n = scores.novelty;
  if (opts.noveltyNeedsCitation && n.score < NOVELTY_CITE_BELOW && n.citedIds.length === 0) {
    return {
      ok: false,
      problems: [
        `novelty.citedIds: a novelty score under ${NOVELTY_CITE_BELOW} must cite the similar works by the ids of their related-work blocks` +
          (n.droppedCitations > 0 ? ` (${n.droppedCitations} cited id(s) were not among them)` : ""),
      ],
    };
  }
  return { ok: true, scores };
}

/**
 * The answer's JSON schema for grammar-constrained decoding (llama.cpp) or a server's
 * response_format: scores as an enum 1..10, cited ids as an enum of the papers in the prompt (so a
 * grammar cannot invent one), novelty citing at least one paper when there is related work, and
 * rationales bounded so one answer fits the token budget.
 */
export function judgeAnswerJsonSchema(opts: {
  allowedIds: readonly string[];
  relatedIds: readonly string[]; // the subset novelty must cite from
  rationaleMaxChars: number; // 0: no string lengths in the schema
  maxCitedIds: number;
}): JsonSchema {
  const scores = Array.from({ length: SCORE_MAX - SCORE_MIN + 1 }, (_, i) => SCORE_MIN + i);
  const cited = (minItems: number): JsonSchema =>
    opts.allowedIds.length === 0
      ? { type: "array", items: { type: "string" }, maxItems: 0 }
      : {
          type: "array",
          items: { enum: [...opts.allowedIds] },
          minItems,
          maxItems: Math.max(minItems, Math.min(opts.maxCitedIds, opts.allowedIds.length)),
        };
  const dimension = (d: Dimension): JsonSchema => ({
    type: "object",
    properties: {
      // Hosted OpenAI strict schemas refuse string lengths: rationaleMaxChars 0 leaves them out (zod still refuses "").
      rationale:
        opts.rationaleMaxChars > 0
          ? { type: "string", minLength: 1, maxLength: opts.rationaleMaxChars }
          : { type: "string" },
      citedIds: cited(d === "novelty" && opts.relatedIds.length > 0 ? 1 : 0),
      score: { enum: scores },
    },
    required: ["rationale", "citedIds", "score"],
    additionalProperties: false,
  });
  return {
    type: "object",
    properties: Object.fromEntries(DIMENSIONS.map((d) => [d, dimension(d)])),
    required: [...DIMENSIONS],
    additionalProperties: false,
  };
}
