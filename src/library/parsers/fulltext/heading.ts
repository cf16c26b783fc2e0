/**
 * A heading split into its printed number and its title: "3.2 Proposed Architecture" -> [3, 2],
 * "A.1 Domain descriptions" -> appendix A, [1]. Level is the count of number parts (top level = 1).
 */
export type Heading = {
  text: string;
  number: string | null; // "3.2", "A.1", or null when unnumbered
  level: number | null; // 1 for "3", 2 for "3.2"; null when unnumbered
  isAppendixNumber: boolean; // numbered with a letter ("A", "B.2")
  title: string; // lower-cased title, number and trailing line numbers removed, for synonym matching
};

// "3", "3.2", "3.2.1", "A", "A.1", optionally followed by "." or ":"; a bare letter needs a following capital word.
const NUMBERED = /^((?:\d{1,2}|[A-Z])(?:\.\d{1,2})*)[.:]?\s+(\S.*)$/;

export function parseHeading(text: string): Heading {
  const trimmed = text.trim();
  const m = NUMBERED.exec(trimmed);
  // A single capital letter is a number only when a title word follows ("A Appendix", not "A Geometric Analysis").
  const isLetterOnly = m !== null && /^[A-Z]$/.test(m[1]);
  const numbered = m !== null && (!isLetterOnly || looksLikeAppendixTitle(m[2]));
  const number = numbered && m ? m[1] : null;
  const rest = numbered && m ? m[2] : trimmed;
  return {
    text: trimmed,
    number,
    level: number === null ? null : number.split(".").length,
    isAppendixNumber: number !== null && /^[A-Z]/.test(number),
    title: normalizeHeadingTitle(rest),
  };
}

// A lone-letter heading like "A Appendix" or "B Proofs" is an appendix section; "A Geometric Analysis of PCA" is a title.
function looksLikeAppendixTitle(rest: string): boolean {
  return /^(appendix|appendices|additional|supplementary|proofs?|further|more|details|implementation|experimental|omitted|extended|technical|derivations?)\b/i.test(
    rest,
  );
}

/** Lower-cases, drops trailing line numbers ("Introduction 14"), leading articles and symbols, collapses spaces. */
export function normalizeHeadingTitle(title: string): string {
  return title
    .toLowerCase()
    .replace(/[*_`#]/g, "")
    .replace(/(\s+\d+)+\s*$/, "")
    .replace(/\s+/g, " ")
    .trim();
}
