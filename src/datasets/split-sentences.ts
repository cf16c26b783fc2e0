/**
 * Sentence splitting for paper prose (abstracts, docling section text). Lines are blocks (a
 * heading line never joins the next sentence); inside a block a sentence ends at . ! ? followed by
 * space and a capital, digit, bracket or quote, except after common abbreviations (et al., e.g.,
 * Fig., Eq., vs.) and single initials ("J. Smith"). Decimals never split: no space follows their dot.
 */
const ABBREVIATIONS = new Set(
  [
    "al",
    "e.g",
    "i.e",
    "etc",
    "cf",
    "fig",
    "figs",
    "eq",
    "eqs",
    "sec",
    "secs",
    "tab",
    "vs",
    "resp",
    "approx",
    "no",
    "nos",
    "ref",
    "refs",
    "dr",
    "prof",
    "mr",
    "ms",
    "st",
    "ch",
    "app",
    "def",
    "thm",
    "lem",
    "prop",
    "alg",
    "viz",
  ].map((s) => s.toLowerCase()),
);

const END = /[.!?]["')\]]*(?=\s+["'([]?[A-Z0-9])/g;

export function splitSentences(text: string): string[] {
  const out: string[] = [];
  for (const block of text.split(/\n+/)) {
    const b = block.replace(/\s+/g, " ").trim();
    if (!b) continue;
    let start = 0;
    for (const m of b.matchAll(END)) {
      const end = (m.index ?? 0) + m[0].length;
      if (m[0][0] === "." && isAbbreviation(b.slice(start, m.index))) continue;
      const s = b.slice(start, end).trim();
      if (s) out.push(s);
      start = end;
    }
    const tail = b.slice(start).trim();
    if (tail) out.push(tail);
  }
  return out;
}

function isAbbreviation(before: string): boolean {
  // a whole word only: the "B" of "Llama3-8B." is no initial
  const word = before.match(/(?:^|[\s("'[])([A-Za-z][A-Za-z.]*)$/)?.[1];
  if (!word) return false;
  if (/^[A-Z]$/.test(word)) return true; // an initial: "J. Smith"
  return ABBREVIATIONS.has(word.toLowerCase());
}
