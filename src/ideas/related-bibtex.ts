import type { SavedIdea } from "./idea-store.js";

/** What a BibTeX entry can say about a paper: the library's record when it has one, else what the idea saved. */
export type BibPaper = {
  id: string;
  title: string;
  year?: number | null;
  venue?: string | null;
  authors?: readonly string[];
  url?: string | null;
};

// BibTeX's specials escaped; braces kept balanced by escaping every one.
const bibEscape = (s: string) => s.replace(/[\\{}]/g, (c) => `\\${c}`).replace(/[&%$#_]/g, (c) => `\\${c}`);
const keyOf = (id: string) => id.replace(/[^A-Za-z0-9:_-]/g, "_");

/**
 * The related work of saved ideas (the papers they build on and their nearest prior work) as BibTeX, one entry per
 * paper however many ideas cite it, in first-seen order. `lookup` fills authors, venue, year and URL from the library.
 */
export function relatedBibtex(
  ideas: readonly SavedIdea[],
  lookup: (id: string) => BibPaper | null = () => null,
): string {
  const seen = new Map<string, BibPaper>();
  for (const s of ideas)
    for (const r of [...(s.paper.id ? [{ id: s.paper.id, title: s.paper.title }] : []), ...s.related])
      if (!seen.has(r.id)) seen.set(r.id, lookup(r.id) ?? r);
  return [...seen.values()].map(entryOf).join("\n");
}

function entryOf(p: BibPaper): string {
  const fields: [string, string | undefined][] = [
    ["title", `{${bibEscape(p.title)}}`],
    ["author", p.authors?.length ? `{${p.authors.map(bibEscape).join(" and ")}}` : undefined],
    ["year", p.year ? String(p.year) : undefined],
    ["howpublished", p.venue ? `{${bibEscape(p.venue)}}` : undefined],
    ["url", p.url ? `{${p.url.replace(/[{}]/g, "")}}` : undefined],
    ["note", `{ideasteer id ${bibEscape(p.id)}}`],
  ];
  const body = fields.flatMap(([k, v]) => (v === undefined ? [] : [`  ${k} = ${v}`])).join(",\n");
  return `@misc{${keyOf(p.id)},\n${body}\n}\n`;
}
