import { closeSync, openSync, readFileSync, readSync } from "node:fs";
import { join, resolve } from "node:path";
import { CorruptFileError, NotFoundError } from "../core/index.js";
import { ENSEMBLE_RM_FORMAT, loadEnsembleRewardModel } from "./ensemble-reward.js";
import type { RewardModel } from "./reward-model.js";
import { SHIPPED_REWARD_MODEL_DIR } from "./shipped-reward-model.js";
import { loadTfidfRewardModel, TFIDF_MODEL_FILE, TFIDF_MODEL_FORMAT } from "./tfidf-reward-model.js";
import { loadTransformerRewardModel, TRANSFORMER_RM_FORMAT } from "./transformer-reward.js";

// A model folder's `model.json` names its format; a new kind of reward model is one line here. `within` lists the
// ensemble folders being opened around this one (an ensemble's members may be ensembles).
const LOADERS: Record<string, (dir: string, within: readonly string[]) => RewardModel> = {
  [TFIDF_MODEL_FORMAT]: loadTfidfRewardModel,
  [TRANSFORMER_RM_FORMAT]: loadTransformerRewardModel,
  [ENSEMBLE_RM_FORMAT]: (dir, within) =>
    loadEnsembleRewardModel(dir, (member) => openRewardModel(member, [...within, resolve(dir)])),
};

/** Ensembles nest (a seed pair inside a mix with TF-IDF); deeper than this is a mistake, not a model. */
const MAX_NESTING = 4;

/**
 * Opens the reward models in `dir` (default: the shipped models/reward), whatever their kind.
 * @example const model = loadRewardModel(); (await model.score(["Title: ..."]))[0] // { novelty: 0.5, ... }
 */
export function loadRewardModel(dir: string = SHIPPED_REWARD_MODEL_DIR): RewardModel {
  return openRewardModel(dir, []);
}

function openRewardModel(dir: string, within: readonly string[]): RewardModel {
  const path = join(dir, TFIDF_MODEL_FILE);
  if (within.includes(resolve(dir)))
    throw new CorruptFileError(
      path,
      `an ensemble names itself among its members: ${[...within, resolve(dir)].join(" -> ")}`,
      {
        hint: "name the member models' folders, not the ensemble's own",
      },
    );
  if (within.length > MAX_NESTING)
    throw new CorruptFileError(path, `ensembles nested deeper than ${MAX_NESTING}`, {
      hint: "name the member models' folders directly",
    });
  const format = peekFormat(path);
  const load = format === null ? undefined : LOADERS[format];
  if (!load)
    throw new CorruptFileError(path, `unknown reward-model format ${JSON.stringify(format)}`, {
      hint: `known formats: ${Object.keys(LOADERS).join(", ")}`,
    });
  return load(dir, within);
}

// Every model.json we write opens with its format: read that much, not megabytes, to choose the loader.
function peekFormat(path: string): string | null {
  let fd: number;
  try {
    fd = openSync(path, "r");
  } catch {
    throw new NotFoundError(
      "reward model",
      path,
      "pass a folder holding model.json, or omit --model for the shipped one",
    );
  }
  let head: string;
  try {
    const buf = Buffer.alloc(256);
    head = buf.subarray(0, readSync(fd, buf, 0, buf.length, 0)).toString("utf8");
  } finally {
    closeSync(fd);
  }
  const found = head.match(/^\s*\{\s*"format"\s*:\s*"([^"]+)"/)?.[1];
  if (found !== undefined) return found;
  // Re-indented or reordered by hand: parse it whole once.
  try {
    const format = (JSON.parse(readFileSync(path, "utf8")) as { format?: unknown }).format;
    return typeof format === "string" ? format : null;
  } catch {
    return null;
  }
}
