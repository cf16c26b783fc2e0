import { normalizeTitle } from "../normalize-title.js";
import { type Paper, type PaperSource, SECTION_NAMES } from "../paper.js";

/** A papers-table row as better-sqlite3 returns it (JSON columns still text). */
export type PaperRow = {
  pk: number;
  id: string;
  title_norm: string;
  title: string;
  abstract: string;
  venue: string | null;
  year: number | null;
  authors: string;
  keywords: string;
  citations: number | null;
  url: string | null;
  sections: string;
  refs: string;
  source: string;
  dup_ids: string;
  keywords_text: string;
  body_text: string;
};

export type PaperColumns = Omit<PaperRow, "pk">;

/**
 * The key that says two records are the same work. A title with no letters or digits
 * (rare: non-Latin scripts fold to "") falls back to the id so it cannot collide with others.
 */
export const titleKey = (p: Pick<Paper, "id" | "title">): string => normalizeTitle(p.title) || `id:${p.id}`;

export function toColumns(p: Paper): PaperColumns {
  return {
    id: p.id,
    title_norm: titleKey(p),
    title: p.title,
    abstract: p.abstract,
    venue: p.venue,
    year: p.year,
    authors: JSON.stringify(p.authors),
    keywords: JSON.stringify(p.keywords),
    citations: p.citations,
    url: p.url,
    sections: JSON.stringify(p.sections),
    refs: JSON.stringify(p.references),
    source: p.source,
    dup_ids: JSON.stringify(p.dupIds),
    keywords_text: p.keywords.join("; "),
    body_text: SECTION_NAMES.map((s) => p.sections[s] ?? "")
      .filter((t) => t !== "")
      .join("\n\n"),
  };
}

export function fromRow(r: PaperRow): Paper {
  return {
    id: r.id,
    title: r.title,
    abstract: r.abstract,
    venue: r.venue,
    year: r.year,
    authors: JSON.parse(r.authors) as string[],
    keywords: JSON.parse(r.keywords) as string[],
    citations: r.citations,
    url: r.url,
    sections: JSON.parse(r.sections) as Paper["sections"],
    references: JSON.parse(r.refs) as Paper["references"],
    source: r.source as PaperSource,
    dupIds: JSON.parse(r.dup_ids) as string[],
  };
}

/**
 * What a row becomes when `incoming` describes the same work as `existing`: the row keeps its id,
 * incoming values win where they say something (a BibTeX entry without abstract must not erase the
 * abstract from the JSONL), and every other id of the work lands in dupIds.
 */
export function mergePapers(existing: Paper, incoming: Paper, extraIds: readonly string[] = []): Paper {
  const pick = <T>(a: T | null, b: T | null): T | null => (b === null || b === "" ? a : b);
  const list = <T>(a: T[], b: T[]): T[] => (b.length > 0 ? b : a);
  const sections = { ...existing.sections };
  for (const [k, v] of Object.entries(incoming.sections)) if (v) sections[k as keyof typeof sections] = v;
  const ids = new Set([...existing.dupIds, ...incoming.dupIds, ...extraIds]);
  if (incoming.id !== existing.id) ids.add(incoming.id);
  ids.delete(existing.id);
  return {
    id: existing.id,
    title: incoming.title || existing.title,
    abstract: incoming.abstract || existing.abstract,
    venue: pick(existing.venue, incoming.venue),
    year: pick(existing.year, incoming.year),
    authors: list(existing.authors, incoming.authors),
    keywords: list(existing.keywords, incoming.keywords),
    citations: pick(existing.citations, incoming.citations),
    url: pick(existing.url, incoming.url),
    sections,
    references: list(existing.references, incoming.references),
    source: incoming.source,
    dupIds: [...ids],
  };
}
