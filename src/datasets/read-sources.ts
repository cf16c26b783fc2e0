import { join } from "node:path";
import { type InputFile, type InputHashes, inputBytes } from "./hash-inputs.js";
import type { ProgressBars } from "./progress-bars.js";
import { readJsonlGz } from "./read-jsonl-gz.js";
import {
  type CitationRecord,
  CitationRecord as CitationSchema,
  checkRecord,
  PaperRecord,
  ReviewRecord,
} from "./source-records.js";

export type ReadProgress = (bytesRead: number) => void;

/** What a build reads: the citing papers, the papers they and their references stand for, every review row. */
export type Sources = { citations: CitationRecord[]; papers: PaperIndex; reviews: ReviewRecord[] };

/**
 * Reads the three inputs of `dataDir`, each behind a byte-progress bar: the first `limit` citing
 * papers (0 = all), the papers.jsonl records of them and of every id they refer to, all review rows.
 */
export async function readSources(opts: {
  dataDir: string;
  limit: number;
  inputs: InputHashes; // sizes for the bars
  bars: ProgressBars;
}): Promise<Sources> {
  const withBar = async <T>(file: InputFile, read: (path: string, onBytes: ReadProgress) => Promise<T>) => {
    const bar = opts.bars(file.replace(".jsonl.gz", ""), inputBytes(opts.inputs, file), "B");
    const out = await read(join(opts.dataDir, file), (b) => bar.set(b));
    bar.done();
    return out;
  };
  const citations = await withBar("citations.jsonl.gz", (path, onBytes) => readCitations(path, opts.limit, onBytes));
  const wanted = new Set<string>();
  for (const c of citations) {
    wanted.add(c.citing_id);
    for (const r of c.references) if (r.paper_id) wanted.add(r.paper_id);
  }
  const papers = await withBar("papers.jsonl.gz", (path, onBytes) => readPaperIndex(path, wanted, onBytes));
  const reviews = await withBar("reviews.jsonl.gz", readReviews);
  return { citations, papers, reviews };
}

/** The first `limit` citing papers (0 = all) of citations.jsonl.gz, checked. */
export async function readCitations(path: string, limit: number, onBytes?: ReadProgress): Promise<CitationRecord[]> {
  const out: CitationRecord[] = [];
  for await (const { value, line } of readJsonlGz(path, { onBytes })) {
    out.push(checkRecord(CitationSchema, value, path, line));
    if (limit > 0 && out.length >= limit) break;
  }
  return out;
}

/**
 * What the build needs of papers.jsonl.gz: the records of the wanted ids (by id or by a merged
 * dup id), and the dup-id -> id map of the whole file so that ids from other files resolve.
 */
export type PaperIndex = {
  /** the papers.jsonl id an id stands for (itself when it is not a merged duplicate) */
  canonical(id: string): string;
  get(id: string): PaperRecord | undefined;
  readonly papersRead: number;
};

export async function readPaperIndex(path: string, wanted: Set<string>, onBytes?: ReadProgress): Promise<PaperIndex> {
  const dupOf = new Map<string, string>();
  const kept = new Map<string, PaperRecord>();
  let papersRead = 0;
  for await (const { value, line } of readJsonlGz(path, { onBytes })) {
    papersRead++;
    const rec = value as { id?: unknown; dup_ids?: unknown };
    const dups = Array.isArray(rec.dup_ids) ? (rec.dup_ids as unknown[]).filter((d) => typeof d === "string") : [];
    for (const d of dups) dupOf.set(d as string, String(rec.id));
    // Only wanted records are checked and kept: the file is 110k abstracts and we need a fraction.
    if (wanted.has(String(rec.id)) || dups.some((d) => wanted.has(d as string))) {
      const p = checkRecord(PaperRecord, value, path, line);
      kept.set(p.id, p);
    }
  }
  const canonical = (id: string) => dupOf.get(id) ?? id;
  return { canonical, get: (id) => kept.get(canonical(id)), papersRead };
}

/** Every row of reviews.jsonl.gz, checked. */
export async function readReviews(path: string, onBytes?: ReadProgress): Promise<ReviewRecord[]> {
  const out: ReviewRecord[] = [];
  for await (const { value, line } of readJsonlGz(path, { onBytes }))
    out.push(checkRecord(ReviewRecord, value, path, line));
  return out;
}
