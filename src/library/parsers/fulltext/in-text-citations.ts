import type { ListedReference } from "./references.js";

/**
 * How many times the body cites each reference, following ../shared/data's rules (README,
 * "citations.jsonl.gz"): numeric styles count every [...] group whose parts are numbers or ranges
 * ([12], [3, 12], [10-12], [1, Section 7]) with every number in 1..max index, expanding ranges up to
 * 30 wide; labelled styles count exact keys inside brackets; author-year styles count
 * "Surname [et al. | and/& Other] [,] [(|[] Year[, Year...]" mentions of the first author's surname and
 * first year. Returns one count per reference, in order.
 */
export type CitationStyle = "numeric" | "label" | "author-year";

export const MAX_RANGE_WIDTH = 30;

export function citationStyle(refs: ListedReference[]): CitationStyle {
  const numbered = refs.filter((r) => r.index !== null).length;
  const labelled = refs.filter((r) => r.label !== null).length;
  if (numbered > 0 && numbered >= labelled) return "numeric";
  if (labelled > 0) return "label";
  return "author-year";
}

export function countInTextCitations(body: string, refs: ListedReference[]): number[] {
  switch (citationStyle(refs)) {
    case "numeric":
      return countNumeric(body, refs);
    case "label":
      return countLabels(body, refs);
    case "author-year":
      return countAuthorYear(body, refs);
  }
}

const BRACKET_GROUP = /\[([^[\]\n]{1,100})\]/g; // longer groups (a list of 30 numbers) were not counted in the shared data
const NUMBER_PART = /^(\d{1,4})(?:\s*[-–—]\s*(\d{1,4}))?$/;
// A locator inside a numeric citation, "[1, Section 7]": not a citation itself, but its numbers must still be in range.
const LOCATOR_PART =
  /^(sec(tion)?s?\.?|ch(apter|ap)?\.?|thm\.?|theorem|lemma|lem\.?|prop(osition)?\.?|cor(ollary)?\.?|def(inition)?\.?|eq(uation)?s?\.?|fig(ure)?s?\.?|tab(le)?\.?|app(endix)?\.?|p\.|pp\.|pages?|example|ex\.|alg(orithm)?\.?|remark|claim|part|appendices)\s*[\w.()–-]*$/i;

function countNumeric(body: string, refs: ListedReference[]): number[] {
  const maxIndex = refs.reduce((m, r) => Math.max(m, r.index ?? 0), 0);
  const byIndex = new Map<number, number>();
  for (const m of body.matchAll(BRACKET_GROUP)) {
    const cited = numericGroup(m[1], maxIndex);
    if (cited) for (const n of cited) byIndex.set(n, (byIndex.get(n) ?? 0) + 1);
  }
  return refs.map((r) => (r.index === null ? 0 : (byIndex.get(r.index) ?? 0)));
}

/** The numbers a bracket group cites, or null when it is not a numeric citation (math such as [0, 1] included). */
function numericGroup(inner: string, maxIndex: number): number[] | null {
  const parts = inner.split(/[,;]/).map((p) => p.trim());
  const cited: number[] = [];
  for (const part of parts) {
    const m = NUMBER_PART.exec(part);
    if (m) {
      const a = Number(m[1]);
      const b = m[2] === undefined ? a : Number(m[2]);
      if (a < 1 || b < 1 || a > maxIndex || b > maxIndex) return null;
      if (b > a && b - a <= MAX_RANGE_WIDTH) for (let n = a; n <= b; n++) cited.push(n);
      else cited.push(a, ...(b !== a ? [b] : []));
    } else if (LOCATOR_PART.test(part) && cited.length > 0) {
      for (const d of part.match(/\d+/g) ?? []) if (Number(d) < 1 || Number(d) > maxIndex) return null;
    } else {
      return null;
    }
  }
  return cited.length > 0 ? cited : null;
}

function countLabels(body: string, refs: ListedReference[]): number[] {
  const byLabel = new Map<string, number>();
  for (const m of body.matchAll(BRACKET_GROUP)) {
    for (const part of m[1].split(/[,;]/)) {
      const key = part.trim();
      if (key) byLabel.set(key, (byLabel.get(key) ?? 0) + 1);
    }
  }
  return refs.map((r) => (r.label === null ? 0 : (byLabel.get(r.label) ?? 0)));
}

const YEAR = "(?:19|20)\\d{2}[a-z]?";
const NAME = "\\p{Lu}[\\p{L}'’\\-]+";
const MENTION = new RegExp(
  `(${NAME})(?:\\s+et\\s+al\\.?|\\s+(?:and|&)\\s+(?:\\p{Lu}\\p{L}*\\s+)*${NAME})?\\s*,?\\s*[(\\[]?\\s*(${YEAR})((?:\\s*[,;]\\s*${YEAR}(?![\\d]))*)(?!\\d)`,
  "gu",
);
// First year in the reference: not part of an arXiv number, a DOI or a page range.
const REF_YEAR = /(?<![\d.:/-])((?:19|20)\d{2})([a-z])?(?![\d.]?\d)/;

/** First author's surname: "Balaji, Y., ..." -> Balaji; "Jiawei Zhao, ..." -> Zhao; "Zhao, J. and ..." -> Zhao. */
export function firstAuthorSurname(text: string): string | null {
  const head = text.split(/,|\s+and\s+|\s+&\s+|\.\s/)[0]?.trim() ?? "";
  if (!head) return null;
  const words = head.split(/\s+/).filter((w) => /\p{L}/u.test(w));
  if (words.length === 0) return null;
  // "Surname, I." puts the surname first and alone; "First Middle Last" puts it last.
  const surname = words.length === 1 ? words[0] : words[words.length - 1];
  return surname.replace(/[^\p{L}'’-]/gu, "") || null;
}

export function firstYear(text: string): string | null {
  const m = REF_YEAR.exec(text);
  return m ? m[1] + (m[2] ?? "") : null;
}

function countAuthorYear(body: string, refs: ListedReference[]): number[] {
  const mentions = new Map<string, number>(); // "surname|year" -> count
  for (const m of body.matchAll(MENTION)) {
    const years = [m[2], ...(m[3].match(new RegExp(YEAR, "g")) ?? [])];
    for (const y of years) {
      const key = `${m[1].toLowerCase()}|${y}`;
      mentions.set(key, (mentions.get(key) ?? 0) + 1);
    }
  }
  return refs.map((r) => {
    const surname = firstAuthorSurname(r.text);
    const year = firstYear(r.text);
    if (!surname || !year) return 0;
    const exact = mentions.get(`${surname.toLowerCase()}|${year}`) ?? 0;
    if (exact > 0 || /[a-z]$/.test(year)) return exact;
    // A reference printed without a suffix also takes suffixed mentions (2023a) when none is exact.
    let suffixed = 0;
    for (const [key, n] of mentions) if (key.startsWith(`${surname.toLowerCase()}|${year}`)) suffixed += n;
    return suffixed;
  });
}
