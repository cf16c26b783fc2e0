import type { SftRow } from "./build-sft-pairs.js";
import { type SplitAssignment, type SplitName, type SplitRatios, splitByComponent } from "./split-by-component.js";

export type Splits = SplitAssignment & { of: (paperId: string) => SplitName };

/**
 * DESIGN §3's leak-free split: every paper a node, each P-S pair an edge, balanced on SFT rows and
 * RM rows at once. `of` puts a paper the split never saw in train.
 */
export function assignSplits(opts: {
  sftRows: SftRow[];
  rmPaperIds: string[]; // one per RM review row, so a paper weighs as many rows as it brings
  ratios: SplitRatios;
  seed: number;
}): Splits {
  const sftNodes = new Set(opts.sftRows.flatMap((r) => [r.id, r.supportingId]));
  const rmCount = countIds(opts.rmPaperIds);
  const sftCount = countIds(opts.sftRows.map((r) => r.id));
  const split = splitByComponent({
    nodes: [...sftNodes, ...rmCount.keys()],
    edges: opts.sftRows.map((r) => [r.id, r.supportingId] as const),
    weight: (id) => [sftCount.get(id) ?? 0, rmCount.get(id) ?? 0],
    ratios: opts.ratios,
    seed: opts.seed,
  });
  return { ...split, of: (id) => split.splitOf.get(id) ?? "train" };
}

/** How often each id occurs, keyed in order of first occurrence (node order feeds the seeded shuffle). */
function countIds(ids: string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const id of ids) counts.set(id, (counts.get(id) ?? 0) + 1);
  return counts;
}
