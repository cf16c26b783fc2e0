import { join } from "node:path";
import { IdeasteerError, type Logger, type ProgressOptions } from "../core/index.js";
import { DIMENSIONS } from "../idea/index.js";
import type { LlmBackend } from "../llm/index.js";
import { assignSplits } from "./assign-splits.js";
import { buildDatasetCard } from "./build-dataset-card.js";
import { buildRmRows } from "./build-rm-rows.js";
import { buildSftPairs, type SftPairs } from "./build-sft-pairs.js";
import { type DatasetCard, writeDatasetCard } from "./dataset-card.js";
import { clearUnfinishedBuild } from "./dataset-folders.js";
import { datasetVersion } from "./dataset-version.js";
import { extraSupportingPairs } from "./extra-supporting-pairs.js";
import { hashInputs } from "./hash-inputs.js";
import { type ProgressBars, progressBars } from "./progress-bars.js";
import { readSources, type Sources } from "./read-sources.js";
import type { SplitRatios } from "./split-by-component.js";
import { writeDatasetFiles } from "./write-dataset-files.js";

export type BuildOptions = {
  dataDir: string; // holds papers.jsonl.gz, reviews.jsonl.gz, citations.jsonl.gz
  home: string; // default output: <home>/datasets/<version>/
  outDir?: string; // exact output folder instead
  seed: number;
  limit: number; // 0 = all
  extractor: "offline" | "llm";
  supportPicker: "top1" | "llm";
  topK: number;
  extraSupporting?: number; // sft-extra.train.jsonl with the next k candidates (0: not written)
  ratios: SplitRatios;
  confidenceWeighted: boolean;
  llmRetries: number;
  backend?: LlmBackend; // required by the llm extractor / picker
  log: Logger;
  progress?: Pick<ProgressOptions, "enabled" | "stream">;
};

export type BuildResult = { outDir: string; version: string; card: DatasetCard };

/**
 * `ideasteer data build`: supporting papers, golden ideas, review labels, the leak-free split and
 * the card, written as versioned JSONL. Same inputs and options give byte-identical files (the
 * offline path; an LLM's answers are only as repeatable as its backend).
 */
export async function buildDatasets(opts: BuildOptions): Promise<BuildResult> {
  requireBackendWhenNeeded(opts);
  const bars = progressBars(opts.progress);
  const inputs = await hashInputs({ dataDir: opts.dataDir, bars });
  const options = cardOptions(opts);
  const version = datasetVersion({ options, inputs });
  const outDir = opts.outDir ?? join(opts.home, "datasets", version);

  clearUnfinishedBuild({ outDir, versionsRoot: opts.outDir ? undefined : join(opts.home, "datasets"), log: opts.log });

  const sources = await readSources({ dataDir: opts.dataDir, limit: opts.limit, inputs, bars });
  const sft = await buildSftPairsWithBar({ sources, opts, bars });
  const rm = buildRmRows({
    reviews: sources.reviews,
    papers: sources.papers,
    sft,
    limit: opts.limit,
    confidenceWeighted: opts.confidenceWeighted,
  });
  const splits = assignSplits({ sftRows: sft.rows, rmPaperIds: rm.paperIds, ratios: opts.ratios, seed: opts.seed });
  const extraRows = extraSupportingPairs({ rows: sft.rows, k: opts.extraSupporting ?? 0, splitOf: splits.of, sources });
  const files = writeDatasetFiles({ outDir, sftRows: sft.rows, extraRows, rmRows: rm.rows, splitOf: splits.of, bars });
  const card = buildDatasetCard({ version, options, inputs, sources, sft, rm, splits, files });
  writeDatasetCard({ outDir, card });

  opts.log.info("datasets written", {
    outDir,
    version,
    sft: sft.rows.length,
    rm: Object.fromEntries(DIMENSIONS.map((d) => [d, rm.rows[d].length])),
  });
  return { outDir, version, card };
}

const needsLlm = (opts: BuildOptions): boolean => opts.extractor === "llm" || opts.supportPicker === "llm";

function requireBackendWhenNeeded(opts: BuildOptions): void {
  if (needsLlm(opts) && !opts.backend) {
    throw new IdeasteerError("E_DATASETS", "the llm extractor / picker needs an LLM backend", {
      hint: "configure llm.backend and llm.modelPath (or llm.baseUrl), or use --extractor offline",
    });
  }
}

/** The options that shape the files: recorded on the card and hashed into the version. */
function cardOptions(opts: BuildOptions): DatasetCard["options"] {
  return {
    seed: opts.seed,
    limit: opts.limit,
    extractor: opts.extractor,
    supportPicker: opts.supportPicker,
    topK: opts.topK,
    splitRatios: opts.ratios,
    confidenceWeighted: opts.confidenceWeighted,
    backend: needsLlm(opts) ? (opts.backend?.name ?? null) : null,
    ...(opts.extraSupporting ? { extraSupporting: opts.extraSupporting } : {}),
  };
}

/** Supporting papers and golden ideas (buildSftPairs), one tick of the bar per citing paper. */
async function buildSftPairsWithBar(args: {
  sources: Sources;
  opts: BuildOptions;
  bars: ProgressBars;
}): Promise<SftPairs> {
  const { sources, opts } = args;
  const bar = args.bars(`golden ideas (${opts.extractor})`, sources.citations.length, "papers");
  const sft = await buildSftPairs({ ...opts, ...sources, onPaper: () => bar.tick() });
  bar.done();
  return sft;
}
