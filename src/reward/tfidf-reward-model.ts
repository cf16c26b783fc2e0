import { readFileSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";
import { CorruptFileError, NotFoundError, writeFileAtomic } from "../core/index.js";
import { DIMENSIONS, type Dimension, type Scores } from "../idea/index.js";
import { percentileOf } from "./percentile-map.js";
import type { RewardModel } from "./reward-model.js";
import type { TfidfHead } from "./tfidf-head.js";
import { TfidfRewardConfig } from "./tfidf-reward-config.js";
import {
  type SparseRow,
  sparseDot,
  type TfidfVocabulary,
  type Vectorizer,
  vectorize,
  vectorizerOf,
} from "./tfidf-vectorizer.js";

export const TFIDF_MODEL_FORMAT = "ideasteer-reward-tfidf";
export const TFIDF_MODEL_FILE = "model.json";

/** A trained TF-IDF ridge reward model: one vocabulary, one head per dimension. */
export type TfidfRewardData = {
  name: string;
  config: TfidfRewardConfig;
  vocabulary: TfidfVocabulary;
  heads: Record<Dimension, TfidfHead>;
  provenance: { dataset: string; command: string; createdAt: string };
  metrics: Record<string, number | null>; // rm/<dimension>/<statistic>, val and test
};

/** The model behind the RewardModel door, plus raw predictions for evaluation. */
export type TfidfRewardModel = RewardModel & {
  data: TfidfRewardData;
  vectorizer: Vectorizer;
  /** w · x + b per dimension, before the percentile map (in standardised units when standardised). */
  predictRaw(rows: readonly SparseRow[], d: Dimension): number[];
};

/**
 * Wraps trained data as a RewardModel: score = percentile of w · x + b among the validation
 * papers' predictions (see percentileOf), per dimension.
 * @example (await tfidfRewardModel(data).score(["Title: ...\nMethod: ..."]))[0] // { novelty: 0.58, feasibility: 0.47, effectiveness: 0.63 }
 */
export function tfidfRewardModel(data: TfidfRewardData): TfidfRewardModel {
  const vectorizer = vectorizerOf(data.vocabulary, data.config.bigrams);
  const predictRaw = (rows: readonly SparseRow[], d: Dimension) =>
    rows.map((r) => sparseDot(r, data.heads[d].weights, data.heads[d].bias));
  return {
    name: data.name,
    dimensions: DIMENSIONS,
    data,
    vectorizer,
    predictRaw,
    async score(texts) {
      const rows = texts.map((t) => vectorize(vectorizer, t));
      const per = Object.fromEntries(
        DIMENSIONS.map((d) => [d, predictRaw(rows, d).map((x) => percentileOf(data.heads[d].reference, x))]),
      ) as Record<Dimension, number[]>;
      return rows.map((_, i) => Object.fromEntries(DIMENSIONS.map((d) => [d, per[d][i] as number])) as Scores);
    },
  };
}

// File layout: plain JSON, numbers rounded to 6 significant digits (ranks and scores unchanged to ~1e-6).
const FileHead = z.object({
  alpha: z.number(),
  standardize: z.boolean(),
  auxiliary: z.number().min(0).default(0),
  auxiliaryOnly: z.number().min(0).default(0),
  bias: z.number(),
  weights: z.array(z.number()),
  reference: z.array(z.number()).min(1),
});
const ModelFile = z.object({
  format: z.literal(TFIDF_MODEL_FORMAT),
  version: z.literal(1),
  name: z.string(),
  config: TfidfRewardConfig,
  provenance: z.object({ dataset: z.string(), command: z.string(), createdAt: z.string() }),
  metrics: z.record(z.string(), z.number().nullable()),
  terms: z.array(z.string()),
  idf: z.array(z.number()),
  heads: z.object({ novelty: FileHead, feasibility: FileHead, effectiveness: FileHead }),
});

const r6 = (x: number) => Number(x.toPrecision(6));

/** Writes `<dir>/model.json`. */
export function saveTfidfRewardModel(dir: string, data: TfidfRewardData): string {
  const heads = Object.fromEntries(
    DIMENSIONS.map((d) => {
      const h = data.heads[d];
      return [
        d,
        {
          alpha: h.alpha,
          standardize: h.standardize,
          auxiliary: h.auxiliary,
          auxiliaryOnly: h.auxiliaryOnly,
          bias: r6(h.bias),
          weights: Array.from(h.weights, r6),
          reference: Array.from(h.reference, r6),
        },
      ];
    }),
  );
  const file = {
    format: TFIDF_MODEL_FORMAT,
    version: 1,
    name: data.name,
    config: data.config,
    provenance: data.provenance,
    metrics: data.metrics,
    terms: data.vocabulary.terms,
    idf: Array.from(data.vocabulary.idf, r6),
    heads,
  };
  const path = join(dir, TFIDF_MODEL_FILE);
  writeFileAtomic(path, `${JSON.stringify(file)}\n`);
  return path;
}

/** Reads `<dir>/model.json` (or the file itself) and checks it. */
export function loadTfidfRewardModel(dirOrFile: string): TfidfRewardModel {
  const path = dirOrFile.endsWith(".json") ? dirOrFile : join(dirOrFile, TFIDF_MODEL_FILE);
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch {
    throw new NotFoundError("reward model", path, "ship models/reward-tfidf/model.json or pass --model <dir>");
  }
  let parsed: z.infer<typeof ModelFile>;
  try {
    parsed = ModelFile.parse(JSON.parse(text));
  } catch (e) {
    throw new CorruptFileError(path, "not a TF-IDF reward model file", {
      cause: e,
      hint: "retrain with `ideasteer eval rm --save-model <dir>`",
    });
  }
  const V = parsed.terms.length;
  if (parsed.idf.length !== V || DIMENSIONS.some((d) => parsed.heads[d].weights.length !== V))
    throw new CorruptFileError(path, `vocabulary of ${V} terms but idf / weights of another length`);
  const heads = Object.fromEntries(
    DIMENSIONS.map((d) => {
      const h = parsed.heads[d];
      return [
        d,
        {
          alpha: h.alpha,
          standardize: h.standardize,
          auxiliary: h.auxiliary,
          auxiliaryOnly: h.auxiliaryOnly,
          bias: h.bias,
          weights: Float32Array.from(h.weights),
          reference: Float64Array.from(h.reference).sort(),
        },
      ];
    }),
  ) as Record<Dimension, TfidfHead>;
  return tfidfRewardModel({
    name: parsed.name,
    config: parsed.config,
    vocabulary: { terms: parsed.terms, idf: Float32Array.from(parsed.idf) },
    heads,
    provenance: parsed.provenance,
    metrics: parsed.metrics,
  });
}
