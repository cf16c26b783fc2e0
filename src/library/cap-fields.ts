import { LibraryConfig } from "../config/index.js";
import { type Paper, SECTION_NAMES } from "./paper.js";

/**
 * Caps on the text a paper may bring into the library. FTS5's snippet() costs roughly the square
 * of the field's length (bench/search.ts: a 10k-word abstract adds ~0.9 s to every search that
 * hits it, 100k words ~53 s), so one oversized record would make search, `library similar` and
 * the judge unusable. Real abstracts stay under 3,000 characters; the defaults leave ample room.
 */
export type FieldLimits = {
  maxTitleChars: number;
  maxAbstractChars: number;
  maxSectionChars: number; // each full-text section
  oversize: OversizeAction;
};

export type OversizeAction = LibraryConfig["oversize"]; // truncate: keep the record, cut at a word; skip

/** The library config's defaults (LibraryConfig documents each field). */
const { maxTitleChars, maxAbstractChars, maxSectionChars, oversize } = LibraryConfig.parse({});
export const DEFAULT_FIELD_LIMITS: FieldLimits = { maxTitleChars, maxAbstractChars, maxSectionChars, oversize };

/** One field over its cap: which, how long it was, and the cap. */
export type FieldOverflow = { field: string; chars: number; maxChars: number };

/** The paper with every field within `limits` (cut at a word boundary), and what was over. */
export function capFields(paper: Paper, limits: FieldLimits): { paper: Paper; overflows: FieldOverflow[] } {
  const overflows: FieldOverflow[] = [];
  const cap = (field: string, text: string, maxChars: number): string => {
    if (text.length <= maxChars) return text;
    overflows.push({ field, chars: text.length, maxChars });
    return cutAtWord(text, maxChars);
  };
  const title = cap("title", paper.title, limits.maxTitleChars);
  const abstract = cap("abstract", paper.abstract, limits.maxAbstractChars);
  const sections = { ...paper.sections };
  for (const name of SECTION_NAMES) {
    const text = sections[name];
    if (typeof text === "string") sections[name] = cap(`sections.${name}`, text, limits.maxSectionChars);
  }
  return overflows.length === 0 ? { paper, overflows } : { paper: { ...paper, title, abstract, sections }, overflows };
}

/** At most `maxChars` characters ending in "…", cut after the last whole word that fits. */
export function cutAtWord(text: string, maxChars: number): string {
  const room = Math.max(0, maxChars - 1);
  let cut = room;
  while (cut > room / 2 && !/\s/.test(text.charAt(cut))) cut--; // back to the space before the split word
  if (cut <= room / 2) cut = room; // one enormous "word": cut it
  return `${text.slice(0, cut).trimEnd()}…`;
}

export const describeOverflows = (o: FieldOverflow[]): string =>
  o.map((x) => `${x.field} has ${x.chars} characters (limit ${x.maxChars})`).join(", ");
