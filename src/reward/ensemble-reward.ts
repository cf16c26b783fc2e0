import { readFileSync } from "node:fs";
import { isAbsolute, join, resolve } from "node:path";
import { z } from "zod";
import { CorruptFileError, writeFileAtomic } from "../core/index.js";
import { DIMENSIONS, type Dimension, type Scores } from "../idea/index.js";
import { percentileOf } from "./percentile-map.js";
import type { RewardModel } from "./reward-model.js";

export const ENSEMBLE_RM_FORMAT = "ideasteer-reward-ensemble";

/**
 * model.json of an ensemble: member folders (relative to the ensemble's own folder) with a weight per dimension,
 * and the sorted validation mixes per dimension that map a mix back to a percentile.
 */
export const EnsembleRewardFile = z.object({
  format: z.literal(ENSEMBLE_RM_FORMAT),
  version: z.literal(1),
  name: z.string(),
  members: z
    .array(z.object({ dir: z.string().min(1), weights: z.record(z.enum(DIMENSIONS), z.number().min(0)) }))
    .min(1),
  reference: z.record(z.enum(DIMENSIONS), z.array(z.number()).min(1)),
  provenance: z.record(z.string(), z.unknown()),
  metrics: z.record(z.string(), z.number().nullable()),
});
export type EnsembleRewardFile = z.infer<typeof EnsembleRewardFile>;

/**
 * The members' scores mixed per dimension: mix_k = Σ_m a_mk · s_mk. Members' scores are percentiles among the
 * same validation papers, so the mix is an average of ranks: no member's scale dominates.
 */
export function mixScores(members: readonly Scores[], weights: readonly Scores[]): Scores {
  return Object.fromEntries(
    DIMENSIONS.map((d) => [d, members.reduce((a, s, m) => a + (weights[m] as Scores)[d] * s[d], 0)]),
  ) as Scores;
}

/**
 * An ensemble as a RewardModel: each member scores the texts, the mixes are mapped to percentiles among the
 * validation mixes. `open` loads a member folder (loadRewardModel; passed in so the loaders do not import each other).
 */
export function loadEnsembleRewardModel(dir: string, open: (dir: string) => RewardModel): RewardModel {
  const path = join(dir, "model.json");
  const parsed = EnsembleRewardFile.safeParse(JSON.parse(readFileSync(path, "utf8")));
  if (!parsed.success)
    throw new CorruptFileError(path, `not an ensemble reward model: ${parsed.error.issues[0]?.message}`);
  const file = parsed.data;
  const members = file.members.map((m) => open(isAbsolute(m.dir) ? m.dir : resolve(dir, m.dir)));
  const weights = file.members.map((m) => m.weights as Scores);
  const reference = Object.fromEntries(
    DIMENSIONS.map((d) => [d, Float64Array.from(file.reference[d] ?? []).sort()]),
  ) as Record<Dimension, Float64Array>;
  return {
    name: file.name,
    dimensions: DIMENSIONS,
    async score(texts) {
      const per = await Promise.all(members.map((m) => m.score(texts)));
      return texts.map((_, i) => {
        const mix = mixScores(
          per.map((p) => p[i] as Scores),
          weights,
        );
        return Object.fromEntries(DIMENSIONS.map((d) => [d, percentileOf(reference[d], mix[d])])) as Scores;
      });
    },
  };
}

/** Writes `<dir>/model.json` for an ensemble whose members' folders are given relative to `dir`. */
export function saveEnsembleRewardModel(dir: string, file: Omit<EnsembleRewardFile, "format" | "version">): string {
  const path = join(dir, "model.json");
  const body = { format: ENSEMBLE_RM_FORMAT, version: 1, ...file };
  writeFileAtomic(path, `${JSON.stringify(body)}\n`);
  return path;
}
