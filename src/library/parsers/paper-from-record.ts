import { titleId } from "../normalize-title.js";
import { newPaper, PAPER_SOURCES, type Paper, type PaperSections, type PaperSource, type Reference } from "../paper.js";

/** A JSON record turned into a Paper, or why it cannot be one. */
export type RecordResult = { ok: true; paper: Paper } | { ok: false; message: string };

type Json = Record<string, unknown>;

// The shared data uses snake_case section names; our own Paper JSON uses camelCase.
const SECTION_KEYS: Record<string, keyof PaperSections> = {
  introduction: "introduction",
  related_work: "relatedWork",
  relatedWork: "relatedWork",
  method: "method",
  experiments: "experiments",
};

/**
 * Reads one record in the shared papers.jsonl schema (id, title, abstract, venue, year, keywords,
 * citations, dup_ids) or our own Paper JSON (camelCase, with authors, sections, references, ...).
 * Only a missing title is fatal; fields of the wrong type are an error rather than silently dropped.
 */
export function paperFromRecord(rec: unknown, fallbackSource: PaperSource): RecordResult {
  if (typeof rec !== "object" || rec === null || Array.isArray(rec)) {
    return {
      ok: false,
      message: `expected a JSON object, got ${rec === null ? "null" : Array.isArray(rec) ? "an array" : typeof rec}`,
    };
  }
  const r = rec as Json;
  const title = typeof r.title === "string" ? r.title.trim() : "";
  if (title === "")
    return { ok: false, message: `record has no title${typeof r.id === "string" ? ` (id ${r.id})` : ""}` };
  const problems: string[] = [];
  const str = (k: string): string | null => {
    const v = r[k];
    if (v === undefined || v === null) return null;
    if (typeof v === "string") return v;
    problems.push(`${k} must be a string`);
    return null;
  };
  const strList = (...keys: string[]): string[] => {
    for (const k of keys) {
      const v = r[k];
      if (v === undefined || v === null) continue;
      if (Array.isArray(v) && v.every((x) => typeof x === "string")) return v as string[];
      problems.push(`${k} must be an array of strings`);
      return [];
    }
    return [];
  };
  const year = intOrNull(r.year);
  if (year === undefined) problems.push("year must be an integer");
  const citations = intOrNull(r.citations);
  if (citations === undefined) problems.push("citations must be an integer");
  const id = str("id");
  const source = typeof r.source === "string" && (PAPER_SOURCES as readonly string[]).includes(r.source);
  const paper = newPaper({
    id: id && id.trim() !== "" ? id.trim() : titleId(title),
    title,
    abstract: str("abstract") ?? "",
    venue: str("venue"),
    year: year ?? null,
    authors: authorsOf(r.authors, problems),
    keywords: strList("keywords"),
    citations: citations ?? null,
    url: str("url"),
    sections: sectionsOf(r.sections, problems),
    references: referencesOf(r.references, problems),
    source: source ? (r.source as PaperSource) : fallbackSource,
    dupIds: strList("dupIds", "dup_ids"),
  });
  if (problems.length > 0) return { ok: false, message: `record ${paper.id}: ${problems.join("; ")}` };
  return { ok: true, paper };
}

/** undefined = present but not an integer (an error); null = absent. Numeric strings ("2023") are accepted. */
function intOrNull(v: unknown): number | null | undefined {
  if (v === undefined || v === null || v === "") return null;
  const n = typeof v === "string" ? Number(v) : v;
  return typeof n === "number" && Number.isInteger(n) ? n : undefined;
}

function authorsOf(v: unknown, problems: string[]): string[] {
  if (v === undefined || v === null) return [];
  if (Array.isArray(v)) {
    const out: string[] = [];
    for (const a of v) {
      if (typeof a === "string") out.push(a);
      else if (typeof a === "object" && a !== null && typeof (a as Json).name === "string")
        out.push((a as Json).name as string);
      else {
        problems.push("authors must be strings or {name} objects");
        return [];
      }
    }
    return out;
  }
  problems.push("authors must be an array");
  return [];
}

function sectionsOf(v: unknown, problems: string[]): PaperSections {
  if (v === undefined || v === null) return {};
  if (typeof v !== "object" || Array.isArray(v)) {
    problems.push("sections must be an object");
    return {};
  }
  const out: PaperSections = {};
  for (const [k, text] of Object.entries(v as Json)) {
    const name = SECTION_KEYS[k];
    if (!name) continue; // other sections (conclusion, appendix) are not part of the Paper type
    if (text === null || typeof text === "string") out[name] = text;
    else problems.push(`sections.${k} must be a string or null`);
  }
  return out;
}

function referencesOf(v: unknown, problems: string[]): Reference[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) {
    problems.push("references must be an array");
    return [];
  }
  const out: Reference[] = [];
  for (const item of v) {
    if (typeof item !== "object" || item === null || typeof (item as Json).text !== "string") {
      problems.push("each reference must be an object with a text");
      return [];
    }
    const x = item as Json;
    const pid = x.paperId ?? x.paper_id;
    const count = x.inTextCount ?? x.in_text_count;
    out.push({
      index: typeof x.index === "number" ? x.index : null,
      label: typeof x.label === "string" ? x.label : null,
      text: x.text as string,
      paperId: typeof pid === "string" ? pid : null,
      inTextCount: typeof count === "number" ? count : 0,
    });
  }
  return out;
}
