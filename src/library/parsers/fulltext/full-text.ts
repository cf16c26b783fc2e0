import { titleId } from "../../normalize-title.js";
import { newPaper, type Paper, type PaperSections, type Reference } from "../../paper.js";
import type { DocLine } from "./doc-line.js";
import { parseHeading } from "./heading.js";
import { countInTextCitations } from "./in-text-citations.js";
import { parseReferenceList } from "./references.js";
import { type FoundSections, findSections, isChecklistHeading, isReferencesHeading } from "./sections.js";

/** What a full text yields once its lines are known, whatever the format (Markdown, PDF). */
export type FullText = {
  title: string | null;
  abstract: string;
  sections: PaperSections;
  sectionHeadings: FoundSections["headings"];
  methodFallback: boolean;
  references: Reference[];
};

const ABSTRACT_HEADING = /^abstract[.:]?$/;
const INLINE_ABSTRACT = /^abstract\s*[.:—–-]?\s+(?=\S)/i;
// Front-matter headings that are never the title (docling marks author names and affiliations as headings too).
const NOT_TITLE = /^(abstract|contents|preprint|under review|published as|anonymous authors?)\b/i;

/** The Paper a full text describes, once its title is found; full texts carry no venue, year or authors we trust. */
export function fullTextPaper(title: string, full: FullText, source: "markdown" | "pdf"): Paper {
  return newPaper({
    id: titleId(title),
    title,
    abstract: full.abstract,
    sections: full.sections,
    references: full.references,
    source,
  });
}

export function parseFullText(lines: DocLine[]): FullText {
  const headingAt = (i: number) => parseHeading(lines[i].text);
  const abstractHeading = lines.findIndex((l, i) => l.isHeading && ABSTRACT_HEADING.test(headingAt(i).title));
  const firstNumbered = lines.findIndex((l, i) => l.isHeading && headingAt(i).level === 1);
  const inlineAbstract =
    abstractHeading >= 0
      ? -1
      : lines.findIndex(
          (l, i) => !l.isHeading && INLINE_ABSTRACT.test(l.text) && (firstNumbered < 0 || i < firstNumbered),
        );

  // References: the first References heading whose section holds anything.
  let referencesAt = lines.length;
  let referencesEnd = lines.length;
  for (let i = 0; i < lines.length; i++) {
    if (!lines[i].isHeading || !isReferencesHeading(headingAt(i))) continue;
    const end = nextHeading(lines, i + 1);
    if (lines.slice(i + 1, end).some((l) => l.text.trim())) {
      referencesAt = i;
      referencesEnd = end;
      break;
    }
  }
  let checklistAt = lines.length;
  for (let i = referencesAt + 1; i < lines.length; i++) {
    if (lines[i].isHeading && isChecklistHeading(headingAt(i))) {
      checklistAt = i;
      break;
    }
  }

  const abstractStart = abstractHeading >= 0 ? abstractHeading : inlineAbstract;
  const bodyStart = abstractStart >= 0 ? abstractStart + 1 : 0;
  const found = findSections(lines, { bodyStart, referencesAt, checklistAt });

  const listed =
    referencesAt < lines.length
      ? parseReferenceList(lines.slice(referencesAt + 1, referencesEnd).map((l) => l.text))
      : [];
  const body = lines
    .slice(0, referencesAt)
    .map((l) => l.text)
    .join("\n");
  const counts = countInTextCitations(body, listed);
  const references: Reference[] = listed.map((r, i) => ({ ...r, paperId: null, inTextCount: counts[i] }));

  return {
    title: findTitle(lines, abstractStart >= 0 ? abstractStart : firstNumbered >= 0 ? firstNumbered : lines.length),
    abstract: findAbstract(lines, abstractHeading, inlineAbstract),
    sections: found.sections,
    sectionHeadings: found.headings,
    methodFallback: found.methodFallback,
    references,
  };
}

function nextHeading(lines: DocLine[], from: number): number {
  for (let i = from; i < lines.length; i++) if (lines[i].isHeading) return i;
  return lines.length;
}

/** The first heading of the front matter; a heading ending in ":" continues on the next one ("ChatVLA-2:" + subtitle). */
function findTitle(lines: DocLine[], before: number): string | null {
  const front = lines.slice(0, before);
  const headings = front.filter((l) => l.isHeading && l.text.trim() && !NOT_TITLE.test(l.text.trim()));
  const first = headings[0] ?? front.find((l) => l.text.trim() && !NOT_TITLE.test(l.text.trim()));
  if (!first) return null;
  let title = first.text.trim();
  if (/[:\-–]$/.test(title) && headings[1]) title = `${title} ${headings[1].text.trim()}`;
  // Decorations docling keeps from the PDF's title block ("★ STARFLOW").
  title = title
    .replace(/^[^\p{L}\p{N}]+/u, "")
    .replace(/\s+/g, " ")
    .trim();
  return title || null;
}

function findAbstract(lines: DocLine[], heading: number, inline: number): string {
  const start = heading >= 0 ? heading + 1 : inline;
  if (start < 0) return "";
  const parts: string[] = [];
  for (let i = start; i < lines.length && !(lines[i].isHeading && i !== inline); i++) {
    const text = i === inline ? lines[i].text.replace(INLINE_ABSTRACT, "") : lines[i].text;
    if (text.trim()) parts.push(text.trim());
  }
  return parts.join(" ").replace(/\s+/g, " ").trim();
}
