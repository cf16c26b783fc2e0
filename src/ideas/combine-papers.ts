import type { SourcePaper } from "./idea-prompt.js";

export const MAX_COMBINED_PAPERS = 4;
const COMBINED_ABSTRACT_CHARS = 1_800; // the policy's prompt is cut at 480 tokens: each paper gets its share

/**
 * Several papers as one source for ideas that combine them: the titles joined, and each paper's title and the head
 * of its abstract (a share of COMBINED_ABSTRACT_CHARS, cut at a word) as one abstract. Ids join with "+" so the
 * provenance names every paper.
 */
export function combinePapers(papers: readonly SourcePaper[]): SourcePaper {
  if (papers.length === 0) throw new RangeError("combinePapers needs at least one paper");
  if (papers.length === 1) return papers[0] as SourcePaper;
  if (papers.length > MAX_COMBINED_PAPERS) throw new RangeError(`at most ${MAX_COMBINED_PAPERS} papers combine`);
  const share = Math.floor(COMBINED_ABSTRACT_CHARS / papers.length);
  const ids = papers.map((p) => p.id);
  return {
    ...(ids.every((id) => id !== undefined) ? { id: ids.join("+") } : {}),
    title: papers.map((p) => p.title).join(" + "),
    abstract: papers.map((p, i) => `Paper ${i + 1}: ${p.title}. ${headOf(p.abstract, share)}`).join("\n"),
  };
}

function headOf(text: string, chars: number): string {
  if (text.length <= chars) return text;
  const cut = text.slice(0, chars);
  const space = cut.lastIndexOf(" ");
  return `${cut.slice(0, space > chars / 2 ? space : chars)}…`;
}
