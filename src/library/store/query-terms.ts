/**
 * Turns user text into FTS5 terms that cannot inject query syntax: the text is split into runs of
 * letters and digits (as FTS5's unicode61 tokenizer does), so quotes, operators (AND, OR, NOT, NEAR),
 * column filters (title:) and prefix stars never reach FTS5 as syntax; each term is then written as
 * a quoted string.
 */

// English function words plus the filler of paper titles and abstracts ("paper", "propose"), which
// match tens of thousands of rows, cost the most time in BM25 and add nothing to the ranking.
const STOPWORDS = new Set(
  `a about above after again against all also am an and any are as at be because been before being below between both
  but by can could did do does doing down during each either few for from further had has have having he her here hers
  how however i if in into is it its itself just let may me might more most must my no nor not now of off on once only
  or other our ours out over own same shall she should so some such than that the their theirs them then there these
  they this those through thus to too under until up upon us very via was we were what when where whether which while
  who whom why will with within without would yet you your
  paper propose proposed proposes present presents show shows shown using use used based new novel approach method
  methods towards toward via`
    .split(/\s+/)
    .filter(Boolean),
);

const TOKEN = /[\p{L}\p{N}]+/gu;

/** Lower-cased, diacritics-folded tokens of `text` in order (duplicates kept; stopwords and 1-letter tokens dropped). */
export function tokenize(text: string): string[] {
  const folded = text
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase();
  const out: string[] = [];
  for (const m of folded.matchAll(TOKEN)) {
    const t = m[0];
    if (t.length < 2 && !/\d/.test(t)) continue;
    if (STOPWORDS.has(t)) continue;
    out.push(t);
  }
  return out;
}

/** Distinct terms in first-seen order with their counts in the text. */
export function termCounts(text: string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const t of tokenize(text)) counts.set(t, (counts.get(t) ?? 0) + 1);
  return counts;
}

/** A term as an FTS5 string literal. Tokens hold only letters and digits, so no escaping is needed beyond the quotes. */
export const quoteTerm = (t: string): string => `"${t.replaceAll('"', '""')}"`;

export const andQuery = (terms: readonly string[]): string => terms.map(quoteTerm).join(" AND ");
export const orQuery = (terms: readonly string[]): string => terms.map(quoteTerm).join(" OR ");
