import { statSync } from "node:fs";
import { join } from "node:path";
import { IdeasteerError } from "../core/index.js";
import type { DatasetCard } from "./dataset-card.js";
import { sha256File } from "./hash-file.js";
import type { ProgressBars } from "./progress-bars.js";

export const INPUT_FILES = ["papers.jsonl.gz", "reviews.jsonl.gz", "citations.jsonl.gz"] as const;
export type InputFile = (typeof INPUT_FILES)[number];
export type InputHashes = DatasetCard["inputs"];

/**
 * Size and SHA-256 of each input file, in INPUT_FILES order: they name the dataset version, so a
 * changed input gives a new version. A missing input stops the build before any work is done.
 */
export async function hashInputs(opts: { dataDir: string; bars: ProgressBars }): Promise<InputHashes> {
  const bar = opts.bars("hash inputs", INPUT_FILES.length, "files");
  const inputs: InputHashes = [];
  for (const file of INPUT_FILES) {
    const path = join(opts.dataDir, file);
    let bytes: number;
    try {
      bytes = statSync(path).size;
    } catch {
      throw new IdeasteerError("E_DATASETS", `input ${path} not found`, {
        hint: "point --data-dir (datasets.dataDir) at the folder with papers/reviews/citations .jsonl.gz",
      });
    }
    inputs.push({ file, bytes, sha256: await sha256File(path) });
    bar.tick();
  }
  bar.done();
  return inputs;
}

/** The size hashInputs found for `file` (0 when absent): the total of its read progress bar. */
export const inputBytes = (inputs: InputHashes, file: InputFile): number =>
  inputs.find((i) => i.file === file)?.bytes ?? 0;
