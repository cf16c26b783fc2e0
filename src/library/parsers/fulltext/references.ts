import type { Reference } from "../../paper.js";

/**
 * Splits the lines of a References section into items, in order, as ../shared/data did: list,
 * numbered ("[12] ..." or "12. ...") or table ("| [12] | ... |") layout; list markers and numbers
 * removed; continuation lines joined; bare line numbers (PDF margins) dropped; whitespace collapsed.
 * When most items are numbered (or labelled), an unnumbered list line is a continuation of the
 * previous item (docling sometimes starts a wrapped line with "- ").
 */
export type ListedReference = Pick<Reference, "index" | "label" | "text">;

const BULLET = /^(?:[-*•·]\s+)/;
const BRACKET_NUMBER = /^\[(\d{1,4})\]\s*/;
const DOT_NUMBER = /^(\d{1,4})\.\s+(?=\S)/;
const BRACKET_LABEL = /^\[([A-Za-z][A-Za-z0-9+\-.&']{0,15}\d{2}[a-z]?)\]\s*/;
const LINE_NUMBER_ONLY = /^\d{1,4}$/;
/** Largest step between consecutive item numbers still read as the next item (lists skip a number now and then). */
const MAX_NUMBER_JUMP = 10;

type Style = "bracket" | "dot" | "label" | "bullet";
type Start = { style: Style; index: number | null; label: string | null; rest: string };

function itemStart(line: string): Start | null {
  let s = line;
  if (s.startsWith("|"))
    s = s
      .replace(/^\|\s*/, "")
      .replace(/\s*\|\s*$/, "")
      .replace(/\s*\|\s*/g, " ");
  const bulleted = BULLET.test(s);
  if (bulleted) s = s.replace(BULLET, "");
  let m = BRACKET_NUMBER.exec(s);
  if (m) return { style: "bracket", index: Number(m[1]), label: null, rest: s.slice(m[0].length) };
  m = BRACKET_LABEL.exec(s);
  if (m) return { style: "label", index: null, label: m[1], rest: s.slice(m[0].length) };
  m = DOT_NUMBER.exec(s);
  if (m) return { style: "dot", index: Number(m[1]), label: null, rest: s.slice(m[0].length) };
  return bulleted ? { style: "bullet", index: null, label: null, rest: s } : null;
}

const collapse = (s: string): string => s.replace(/\s+/g, " ").trim();

/** The layout most items use: a keyed style (bracket, dot, label) when at least half the item starts have it. */
function dominantStyle(starts: Start[]): Style | null {
  if (starts.length === 0) return null;
  const counts = new Map<Style, number>();
  for (const s of starts) counts.set(s.style, (counts.get(s.style) ?? 0) + 1);
  let best: Style = "bullet";
  let bestCount = 0;
  for (const style of ["bracket", "label", "dot"] as const) {
    const c = counts.get(style) ?? 0;
    if (c > bestCount) [best, bestCount] = [style, c];
  }
  return bestCount * 2 >= starts.length ? best : "bullet";
}

export function parseReferenceList(lines: string[]): ListedReference[] {
  const parsed = lines
    .map((l) => l.trim())
    .filter((l) => l && !LINE_NUMBER_ONLY.test(l) && !/^\|?[\s|:-]+\|?$/.test(l))
    .map((line) => ({ line, start: itemStart(line) }));
  const style = dominantStyle(parsed.flatMap((p) => (p.start ? [p.start] : [])));
  const items: ListedReference[] = [];
  let lastIndex = 0;
  for (const { line, start } of parsed) {
    // Keyed lists: only that key style starts an item ("- 2006. Proceedings" continues the item before it),
    // and a number far past the last one is a year or a page on a wrapped line, not the next item.
    const isItem =
      style === null ||
      (start !== null &&
        (style === "bullet" ||
          (start.style === style && (start.index === null || start.index <= lastIndex + MAX_NUMBER_JUMP))));
    if (isItem && start?.index != null) lastIndex = Math.max(lastIndex, start.index);
    if (isItem)
      items.push({ index: start?.index ?? null, label: start?.label ?? null, text: start ? start.rest : line });
    else if (items.length > 0) items[items.length - 1].text += ` ${line.replace(BULLET, "")}`;
  }
  return items.map((r) => ({ ...r, text: collapse(r.text) })).filter((r) => r.text.length > 0);
}
