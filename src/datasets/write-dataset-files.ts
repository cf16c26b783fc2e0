import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { writeFileAtomic } from "../core/index.js";
import { DIMENSIONS, type Dimension } from "../idea/index.js";
import type { RmRow } from "./build-rm-rows.js";
import type { SftRow } from "./build-sft-pairs.js";
import type { DatasetCard } from "./dataset-card.js";
import type { ExtraSftRow } from "./extra-supporting-pairs.js";
import { sha256Text } from "./hash-file.js";
import type { ProgressBars } from "./progress-bars.js";
import { SPLITS, type SplitName } from "./split-by-component.js";

/**
 * Writes sft.<split>.jsonl and rm.<dimension>.<split>.jsonl into `outDir`, one JSON object a line,
 * each file atomically; returns what the card lists of each (rows, bytes, SHA-256) in write order.
 */
export function writeDatasetFiles(opts: {
  outDir: string;
  sftRows: SftRow[];
  extraRows?: ExtraSftRow[]; // sft-extra.train.jsonl when non-empty
  rmRows: Record<Dimension, RmRow[]>;
  splitOf: (paperId: string) => SplitName;
  bars: ProgressBars;
}): DatasetCard["files"] {
  const { outDir, splitOf } = opts;
  mkdirSync(outDir, { recursive: true });
  const bar = opts.bars("write", SPLITS.length * (1 + DIMENSIONS.length), "files");
  const files: DatasetCard["files"] = [];
  const writeJsonl = (name: string, rows: unknown[]) => {
    const text = rows.map((r) => `${JSON.stringify(r)}\n`).join("");
    writeFileAtomic(join(outDir, name), text);
    files.push({ name, rows: rows.length, bytes: Buffer.byteLength(text), sha256: sha256Text(text) });
    bar.tick();
  };
  for (const s of SPLITS)
    writeJsonl(
      `sft.${s}.jsonl`,
      opts.sftRows.filter((r) => splitOf(r.id) === s),
    );
  if (opts.extraRows?.length) writeJsonl("sft-extra.train.jsonl", opts.extraRows);
  for (const d of DIMENSIONS)
    for (const s of SPLITS)
      writeJsonl(
        `rm.${d}.${s}.jsonl`,
        opts.rmRows[d].filter((r) => splitOf(r.paperId) === s),
      );
  bar.done();
  return files;
}
