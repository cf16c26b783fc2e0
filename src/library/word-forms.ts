/**
 * The one inflection search folds: singular and plural. Porter stemming (FTS5's `porter`) also merges words that
 * mean different things (generation and general -> "gener", university and universe -> "univers"), which ranks
 * unrelated papers first; folding only the plural never does.
 */

// Endings that look plural but are not (class, corpus, analysis, various).
const NOT_PLURAL = /(ss|us|is|ous)$/;
const ES_PLURAL = /(sses|shes|ches|xes|zes)$/;

/** The singular of a lower-cased word (a guess from its spelling: models -> model, studies -> study, boxes -> box). */
export function singular(word: string): string {
  if (word.length <= 3 || /\d/.test(word) || NOT_PLURAL.test(word)) return word;
  if (word.endsWith("ies") && word.length > 4) return `${word.slice(0, -3)}y`;
  if (ES_PLURAL.test(word)) return word.slice(0, -2);
  if (word.endsWith("s")) return word.slice(0, -1);
  return word;
}

function plural(word: string): string {
  if (/[^aeiou]y$/.test(word)) return `${word.slice(0, -1)}ies`;
  if (/(s|x|z|ch|sh)$/.test(word)) return `${word}es`;
  return `${word}s`;
}

/** The forms a search for `word` matches: its singular and plural (digits and short words: itself only). */
export function wordForms(word: string): string[] {
  if (word.length <= 2 || /\d/.test(word)) return [word];
  const one = singular(word);
  return [...new Set([one, plural(one), word])];
}
