import { readFileSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";
import { IdeasteerError, InputError } from "../core/index.js";
import type { Dimension } from "../idea/index.js";
import type { SplitName } from "./split-by-component.js";

/** The fields of an `rm.<dimension>.<split>.jsonl` row (RmRow) that evaluation and reward-model training read. */
export const RmExample = z.object({
  id: z.string().min(1),
  paperId: z.string().min(1),
  venue: z.string(),
  year: z.number().int(),
  label: z.number().min(0).max(1),
  reviewers: z.number().int().min(0),
  text: z.string(),
});
export type RmExample = z.infer<typeof RmExample>;

/** Reads one reward-model split written by `ideasteer data build`. */
export function readRmSplit(datasetDir: string, d: Dimension, split: SplitName): RmExample[] {
  const file = join(datasetDir, `rm.${d}.${split}.jsonl`);
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch {
    throw new IdeasteerError("E_DATASETS", `${file} not found`, {
      hint: "build the datasets first (`ideasteer data build`) or pass --dataset <dir>",
    });
  }
  const out: RmExample[] = [];
  text.split("\n").forEach((line, i) => {
    if (line.trim() === "") return;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (e) {
      throw new InputError({ file, line: i + 1 }, "not JSON", { cause: e });
    }
    const r = RmExample.safeParse(value);
    if (!r.success)
      throw new InputError({ file, line: i + 1 }, `not a reward-model row: ${r.error.issues[0]?.message}`);
    out.push(r.data);
  });
  return out;
}
