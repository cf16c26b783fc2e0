import { createHash } from "node:crypto";
import { IdeasteerError } from "../core/index.js";
import { type Idea, renderIdea, type Scores } from "../idea/index.js";
import type { RewardModel } from "./reward-model.js";

/** Limits on one call: an RL batch or a decoder step is far below both. */
export const MAX_IDEAS_PER_CALL = 4096;
export const MAX_IDEA_CHARS = 32_000; // a section-1 idea is ~1-3k characters; an abstract under 5k

/** Scores by hash of (model name, text): the decoder rescores the same prefixes, RL the same ideas. */
export type ScoreCache = {
  get(key: string): Scores | undefined;
  set(key: string, s: Scores): void;
  readonly size: number;
};

/** A least-recently-used cache of at most `maxEntries` scores. */
export function createScoreCache(maxEntries = 100_000): ScoreCache {
  const map = new Map<string, Scores>();
  return {
    get(key) {
      const s = map.get(key);
      if (s !== undefined) {
        map.delete(key);
        map.set(key, s);
      }
      return s;
    },
    set(key, s) {
      map.delete(key);
      map.set(key, s);
      if (map.size > maxEntries) map.delete(map.keys().next().value as string);
    },
    get size() {
      return map.size;
    },
  };
}

export type ScoreOptions = {
  model: RewardModel;
  cache?: ScoreCache;
  batchSize?: number; // texts handed to the model at once (default 256)
};

const keyOf = (model: string, text: string) =>
  createHash("sha256").update(model).update("\0").update(text).digest("hex");

/**
 * Scores ideas (section-1 text, parsed ideas, partial ideas: any prefix) on the three dimensions,
 * in order, batched, with cached texts not rescored. Throws on more than MAX_IDEAS_PER_CALL ideas
 * or an idea over MAX_IDEA_CHARS characters rather than truncate silently.
 * @example await scoreIdeas(["Title: ...\nMethod: ..."], { model }) // [{ novelty: 0.61, feasibility: 0.42, effectiveness: 0.55 }]
 */
export async function scoreIdeas(ideas: readonly (string | Idea)[], opts: ScoreOptions): Promise<Scores[]> {
  if (ideas.length > MAX_IDEAS_PER_CALL)
    throw new IdeasteerError(
      "E_INPUT_TOO_LARGE",
      `${ideas.length} ideas in one call; the limit is ${MAX_IDEAS_PER_CALL}`,
      {
        hint: "split the batch",
      },
    );
  const texts = ideas.map((x, i) => {
    const t = typeof x === "string" ? x : renderIdea(x);
    if (t.length > MAX_IDEA_CHARS)
      throw new IdeasteerError(
        "E_INPUT_TOO_LARGE",
        `idea ${i} has ${t.length} characters; the limit is ${MAX_IDEA_CHARS}`,
        {
          hint: "score the idea (title, method, experiment plan), not a whole paper",
        },
      );
    return t;
  });
  const { model, cache } = opts;
  const out = new Array<Scores | undefined>(texts.length);
  const keys = texts.map((t) => (cache ? keyOf(model.name, t) : ""));
  const todo: number[] = [];
  const firstOf = new Map<string, number>(); // a text repeated in one call is scored once
  const repeats: [number, number][] = [];
  texts.forEach((_, i) => {
    const key = keys[i] as string;
    const hit = cache?.get(key);
    if (hit) out[i] = hit;
    else if (cache && firstOf.has(key)) repeats.push([i, firstOf.get(key) as number]);
    else {
      firstOf.set(key, i);
      todo.push(i);
    }
  });
  const batchSize = Math.max(1, opts.batchSize ?? 256);
  for (let start = 0; start < todo.length; start += batchSize) {
    const part = todo.slice(start, start + batchSize);
    const scores = await model.score(part.map((i) => texts[i] as string));
    part.forEach((i, k) => {
      const s = scores[k] as Scores;
      out[i] = s;
      cache?.set(keys[i] as string, s);
    });
  }
  for (const [i, j] of repeats) out[i] = out[j];
  return out as Scores[];
}
