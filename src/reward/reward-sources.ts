import { readFileSync, realpathSync } from "node:fs";
import { isAbsolute, join, resolve } from "node:path";
import { CorruptFileError } from "../core/index.js";
import { DIMENSIONS, type Dimension } from "../idea/index.js";
import { ENSEMBLE_RM_FORMAT, EnsembleRewardFile } from "./ensemble-reward.js";

/** Nested ensembles deeper than this are refused: a member naming an ancestor would otherwise never end. */
const MAX_DEPTH = 8;

/**
 * The model folders each dimension's score is read from: the folder itself for a single model, and for an ensemble
 * the sources of every member with a weight above 0 on that dimension (recursively). Two evaluators that share a
 * folder on a dimension are not independent there, whatever their names say.
 */
export function rewardSources(dir: string, depth = 0): Record<Dimension, string[]> {
  const own = realpathSync(dir);
  const raw = JSON.parse(readFileSync(join(own, "model.json"), "utf8")) as { format?: unknown };
  if (depth > MAX_DEPTH)
    throw new CorruptFileError(join(own, "model.json"), `ensembles nested more than ${MAX_DEPTH} deep`, {
      hint: "a member folder names one of its own ensembles; point members at model folders",
    });
  if (raw.format !== ENSEMBLE_RM_FORMAT)
    return Object.fromEntries(DIMENSIONS.map((d) => [d, [own]])) as Record<Dimension, string[]>;
  const file = EnsembleRewardFile.parse(raw);
  const out = Object.fromEntries(DIMENSIONS.map((d) => [d, new Set<string>()])) as Record<Dimension, Set<string>>;
  for (const m of file.members) {
    const sources = rewardSources(isAbsolute(m.dir) ? m.dir : resolve(own, m.dir), depth + 1);
    for (const d of DIMENSIONS) if ((m.weights[d] ?? 0) > 0) for (const s of sources[d]) out[d].add(s);
  }
  return Object.fromEntries(DIMENSIONS.map((d) => [d, [...out[d]].sort()])) as Record<Dimension, string[]>;
}

/** The dimensions on which two reward models read a model folder in common, with the folders. */
export function sharedSources(a: string, b: string): Partial<Record<Dimension, string[]>> {
  const sa = rewardSources(a);
  const sb = rewardSources(b);
  const shared: Partial<Record<Dimension, string[]>> = {};
  for (const d of DIMENSIONS) {
    const common = sa[d].filter((s) => sb[d].includes(s));
    if (common.length) shared[d] = common;
  }
  return shared;
}
