import { existsSync } from "node:fs";
import { join } from "node:path";
import { InputError, NotFoundError } from "../core/index.js";
import { readJsonlGz } from "../datasets/index.js";
import type { PretrainData, PretrainSource } from "./pretrain-config.js";

/** One pretraining document: the paper it belongs to (the unit of the split) and its text. */
export type PretrainDocument = { paperId: string; source: PretrainSource; text: string; split: "train" | "val" };

const SECTION_ORDER = ["introduction", "related_work", "method", "experiments"] as const;
const SECTION_TITLES: Record<(typeof SECTION_ORDER)[number], string> = {
  introduction: "Introduction",
  related_work: "Related Work",
  method: "Method",
  experiments: "Experiments",
};

/**
 * A number in [0, 1) from a paper id and a salt (FNV-1a, 32 bit): the same paper always lands on the
 * same side of the split and the same sample, whichever source it comes from (a NeurIPS 2025 paper's
 * abstract and its full-text sections share the id, so they share the split).
 */
export function paperHash(paperId: string, salt: string): number {
  let h = 0x811c9dc5;
  const s = `${salt}:${paperId}`;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  // A final avalanche so that ids differing only in the last characters spread over [0, 1).
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b) >>> 0;
  h ^= h >>> 13;
  return (h >>> 0) / 4294967296;
}

export const isHeldOut = (paperId: string, valFraction: number): boolean => paperHash(paperId, "val") < valFraction;

/**
 * Documents for pretraining from ../shared/data: each paper's title and abstract (papers.jsonl.gz)
 * and, for the full-text papers, their introduction / related work / method / experiments sections
 * (citations.jsonl.gz). Papers are sampled by a hash of their id; reading stops at `maxChars`.
 */
export async function* readPretrainDocuments(data: PretrainData, dataDir: string): AsyncGenerator<PretrainDocument> {
  let chars = 0;
  for (const source of data.sources) {
    const file = join(dataDir, `${source}.jsonl.gz`);
    if (!existsSync(file)) throw new NotFoundError("pretraining data file", file, "set data.dataDir to ../shared/data");
    for await (const { value, line } of readJsonlGz(file)) {
      if (typeof value !== "object" || value === null || Array.isArray(value))
        throw new InputError({ file, line }, "expected a JSON object");
      const record = value as Record<string, unknown>;
      const doc = source === "papers" ? paperDocument(record) : citationDocument(record);
      if (doc === null) throw new InputError({ file, line }, `not a ${source} record (missing id or text)`);
      if (doc.text.length === 0 || paperHash(doc.paperId, "sample") >= data.sampleFraction) continue;
      yield { ...doc, source, split: isHeldOut(doc.paperId, data.valFraction) ? "val" : "train" };
      chars += doc.text.length;
      if (chars >= data.maxChars) return;
    }
  }
}

function paperDocument(r: Record<string, unknown>): { paperId: string; text: string } | null {
  if (typeof r.id !== "string" || typeof r.title !== "string" || typeof r.abstract !== "string") return null;
  return { paperId: r.id, text: `Title: ${r.title}\nAbstract: ${r.abstract}` };
}

function citationDocument(r: Record<string, unknown>): { paperId: string; text: string } | null {
  if (typeof r.citing_id !== "string" || typeof r.sections !== "object" || r.sections === null) return null;
  const sections = r.sections as Record<string, unknown>;
  const parts = SECTION_ORDER.flatMap((k) => {
    const body = sections[k];
    return typeof body === "string" && body.length > 0 ? [`${SECTION_TITLES[k]}\n${body}`] : [];
  });
  return { paperId: r.citing_id, text: parts.join("\n\n") };
}
