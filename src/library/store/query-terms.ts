/**
 * Turns user text into FTS5 terms that cannot inject query syntax: the text is split into runs of
 * letters and digits (as FTS5's unicode61 tokenizer does), so quotes, operators (AND, OR, NOT, NEAR),
 * column filters (title:) and prefix stars never reach FTS5 as syntax; each term is then written as
 * a quoted string.
 */
import { contentWords } from "../content-words.js";
import { singular, wordForms } from "../word-forms.js";

/** Distinct terms (singular: "models" and "model" are one term) in first-seen order with their counts in the text. */
export function termCounts(text: string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const w of contentWords(text)) {
    const t = singular(w);
    counts.set(t, (counts.get(t) ?? 0) + 1);
  }
  return counts;
}

const quoteWord = (w: string): string => `"${w.replaceAll('"', '""')}"`;

/**
 * A term as an FTS5 query of its forms: `"model"` or `("model" OR "models")`. Tokens hold only letters and digits,
 * so no escaping is needed beyond the quotes.
 */
export function quoteTerm(t: string): string {
  const forms = wordForms(t);
  return forms.length === 1 ? quoteWord(t) : `(${forms.map(quoteWord).join(" OR ")})`;
}

export const andQuery = (terms: readonly string[]): string => terms.map(quoteTerm).join(" AND ");
export const orQuery = (terms: readonly string[]): string => terms.map(quoteTerm).join(" OR ");
