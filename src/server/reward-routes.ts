import { Hono } from "hono";
import { HTTPException } from "hono/http-exception";
import { z } from "zod";
import type { Logger } from "../core/index.js";
import { DIMENSIONS, type Dimension, EQUAL_WEIGHTS, type Scores, weightedSum, weightsFrom } from "../idea/index.js";
import { MAX_IDEA_CHARS, type RewardModel, type ScoreCache, scoreIdeas } from "../reward/index.js";
import { invalidBody, openAiError } from "./openai-compat.js";
import { zodJson } from "./zod-json.js";

/** Texts one request may score: an RL rollout batch is far below it; the body limit (4 MB) binds first anyway. */
export const MAX_REWARD_TEXTS = 1024;
// A query is prompt + response: the prompt (paper, instructions) may be long, the scored part is capped by scoreIdeas.
const MAX_QUERY_CHARS = 4 * MAX_IDEA_CHARS;

const Weights = z
  .object({ novelty: z.number().min(0), feasibility: z.number().min(0), effectiveness: z.number().min(0) })
  .refine((w) => w.novelty + w.feasibility + w.effectiveness > 0, "weights must not all be 0");

/**
 * What OpenRLHF's `--remote_rm_url` POSTs (openrlhf/utils/remote_rm_utils.py, remote_rm_fn_ray): `query` is
 * prompt + response as the policy's tokenizer decoded them, `prompts` the prompts, `labels` the dataset's
 * `--label_key` column, where ideasteer's exported prompts carry the sampled weights.
 */
export const OpenRlhfRewardRequest = z
  .object({
    query: z.array(z.string().max(MAX_QUERY_CHARS)).min(1).max(MAX_REWARD_TEXTS),
    prompts: z.array(z.string().max(MAX_QUERY_CHARS)).max(MAX_REWARD_TEXTS).optional(),
    labels: z.array(z.unknown()).max(MAX_REWARD_TEXTS).nullable().optional(),
  })
  .refine((b) => !b.prompts || b.prompts.length === b.query.length, {
    message: "prompts must have one entry per query",
    path: ["prompts"],
  })
  .refine((b) => !b.labels || b.labels.length === b.query.length, {
    message: "labels must have one entry per query",
    path: ["labels"],
  });

/** The weighted variant for other clients: idea texts (or prefixes) and optional weights; w · r comes back. */
export const RewardRequest = z.object({
  ideas: z.array(z.string().min(1).max(MAX_IDEA_CHARS)).min(1).max(MAX_REWARD_TEXTS),
  weights: Weights.optional(),
});

export type RewardApiDeps = { model: RewardModel; cache?: ScoreCache };

/**
 * The reward models over HTTP (issue 11 §6): POST /reward/openrlhf for OpenRLHF (rewards = w · r per query, the
 * prompt stripped, per-dimension scores in extra_logs) and POST /api/rewards for everyone else.
 */
export const rewardRoutes = (deps: RewardApiDeps, log: Logger) => {
  const score = (texts: string[]) => scoreIdeas(texts, { model: deps.model, cache: deps.cache });
  // An empty response (the policy stopped at once) earns nothing rather than whatever the model makes of "".
  const scoreNonEmpty = async (texts: string[]): Promise<Scores[]> => {
    const idx = texts.flatMap((t, i) => (t.trim() ? [i] : []));
    const got = await score(idx.map((i) => texts[i] as string));
    const out: Scores[] = texts.map(() => ({ novelty: 0, feasibility: 0, effectiveness: 0 }));
    idx.forEach((i, k) => {
      out[i] = got[k] as Scores;
    });
    return out;
  };
  return new Hono()
    .post("/reward/openrlhf", zodJson(OpenRlhfRewardRequest, invalidBody), async (c) => {
      const body = c.req.valid("json");
      const weights = body.query.map((_, i) => weightsOfLabel(body.labels?.[i], i));
      const responses = body.query.map((q, i) => responseOf(q, body.prompts?.[i]));
      const scores = await scoreNonEmpty(responses);
      const rewards = scores.map((s, i) => weightedSum(s, weights[i] as Scores));
      // OpenRLHF reads `rewards`, logs `scores` and each list in `extra_logs` (one value per query).
      return c.json({ rewards, scores: rewards, extra_logs: perDimension(scores) });
    })
    .post("/api/rewards", zodJson(RewardRequest, invalidBody), async (c) => {
      const body = c.req.valid("json");
      const w = body.weights ? (weightsFrom(body.weights) as Scores) : EQUAL_WEIGHTS;
      const scores = await score(body.ideas);
      return c.json({ weights: w, results: scores.map((s) => ({ ...s, reward: weightedSum(s, w) })) });
    })
    .onError((err, c) => {
      const { status, error } = openAiError(err, log);
      return c.json({ error }, status);
    });
};

/** A label carries the weights ("n,f,e", [n,f,e], {novelty,...}, as JSON text or parsed); none: equal weights. */
function weightsOfLabel(label: unknown, i: number): Scores {
  if (label === undefined || label === null || label === "") return EQUAL_WEIGHTS;
  const w = weightsFrom(label);
  if (!w)
    throw new HTTPException(400, {
      message: `labels.${i}: not weights; send "n,f,e", [n,f,e] or {"novelty","feasibility","effectiveness"}`,
    });
  return w;
}

// Special tokens a decoded sequence may carry around the response (padding, end of text) in common tokenizers.
const TOKENS = ["<|end|>", "<|endoftext|>", "<|im_end|>", "<|eot_id|>", "</s>", "<pad>", "<|pad|>"];
const EDGE = `(?:\\s|${TOKENS.map((t) => t.replace(/[|/]/g, "\\$&")).join("|")})+`;
const SPECIAL = new RegExp(`^${EDGE}|${EDGE}$`, "g");

/**
 * The response inside a query: what follows the prompt (found at the start, or after leading special tokens the
 * decoder kept), without end-of-text and padding tokens. No prompt given, or not found: the whole query.
 */
export function responseOf(query: string, prompt: string | undefined): string {
  let text = query;
  if (prompt) {
    const at = query.indexOf(prompt);
    if (at >= 0) text = query.slice(at + prompt.length);
  }
  const trimmed = text.replace(SPECIAL, "");
  return trimmed.length > MAX_IDEA_CHARS ? trimmed.slice(0, MAX_IDEA_CHARS) : trimmed;
}

const perDimension = (scores: readonly Scores[]): Record<Dimension, number[]> =>
  Object.fromEntries(DIMENSIONS.map((d) => [d, scores.map((s) => s[d])])) as Record<Dimension, number[]>;
