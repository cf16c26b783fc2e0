/**
 * The words of a text that say what it is about: the one tokenisation behind both library search
 * (FTS5 terms) and the judge's lexical similarity, so the two agree on what a "term" is.
 */

// English function words plus the filler of paper titles and abstracts ("paper", "propose"), which
// match tens of thousands of rows, cost the most time in BM25 and add nothing to the ranking.
export const STOPWORDS: ReadonlySet<string> = new Set(
  `a about above after again against all also am an and any are as at be because been before being below between both
  but by can could did do does doing down during each either few for from further had has have having he her here hers
  how however i if in into is it its itself just let may me might more most must my no nor not now of off on once only
  or other our ours out over own same shall she should so some such than that the their theirs them then there these
  they this those through thus to too under until up upon us very via was we were what when where whether which while
  who whom why will with within without would yet you your
  paper propose proposed proposes present presents show shows shown using use used based new novel approach method
  methods towards toward`
    .split(/\s+/)
    .filter(Boolean),
);

// Runs of letters and digits, as FTS5's unicode61 tokenizer splits text.
const TOKEN = /[\p{L}\p{N}]+/gu;

/**
 * Lower-cased, diacritic-folded tokens of `text` in order, duplicates kept, without `stopwords` and
 * without one-letter tokens (single digits stay).
 * @example contentWords("The Café of Models") // ["cafe", "models"]
 */
export function contentWords(text: string, stopwords: ReadonlySet<string> = STOPWORDS): string[] {
  const folded = text
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase();
  const out: string[] = [];
  for (const m of folded.matchAll(TOKEN)) {
    const t = m[0];
    if ((t.length < 2 && !/\d/.test(t)) || stopwords.has(t)) continue;
    out.push(t);
  }
  return out;
}
