import { type SftRow, sftPrompt } from "./build-sft-pairs.js";
import type { Sources } from "./read-sources.js";
import type { SplitName } from "./split-by-component.js";

/** An extra pair: S' replaces S, and its rank among P's candidates replaces S's in-text count. */
export type ExtraSftRow = Omit<SftRow, "supportingInTextCount"> & { candidateRank: number };

/**
 * More SFT pairs from the same golden ideas: each training pair (P, S) again with P's next k ranked candidates S'
 * as the paper read. A candidate is used only when the split puts it in train (a paper of val or test never
 * enters training as a prompt), so the split stays leak-free; the rows keep P's id and say `selection: "extra"`.
 */
export function extraSupportingPairs(o: {
  rows: SftRow[];
  k: number;
  splitOf: (paperId: string) => SplitName;
  sources: Pick<Sources, "papers">;
}): ExtraSftRow[] {
  if (o.k <= 0) return [];
  const out: ExtraSftRow[] = [];
  for (const row of o.rows) {
    if (o.splitOf(row.id) !== "train") continue;
    const others = row.candidates.filter((id) => id !== row.supportingId).slice(0, o.k);
    others.forEach((id, rank) => {
      const s = o.sources.papers.get(id);
      if (!s || o.splitOf(s.id) !== "train" || s.abstract.trim() === "") return;
      const { supportingInTextCount: _, ...rest } = row;
      out.push({
        ...rest,
        supportingId: s.id,
        prompt: sftPrompt(s.title, s.abstract),
        selection: "extra",
        candidateRank: rank + 2, // S is candidate 1 (in-text count order); this paper's place in that ranking
      });
    });
  }
  return out;
}
