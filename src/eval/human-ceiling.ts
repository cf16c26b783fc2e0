import { createRng } from "../core/index.js";
import type { RankingInput } from "./evaluate-ranking.js";

export type ReviewedPaper = { group: string; values: readonly number[] }; // one normalised score per reviewer

/**
 * The human ceiling (issue 11 §4): for each paper with two or more reviewers, one reviewer drawn at
 * random (seeded) acts as the "model" and the mean of the other reviewers as the label, so the
 * same metrics say how well one expert ranks the papers against the rest of the panel.
 * Papers with a single reviewer are left out.
 * @example humanCeilingInput([{ group: "ICLR 2021", values: [0.3, 0.5, 0.7] }], 1) // { pred: [one of them], label: [mean of the other two], groups }
 */
export function humanCeilingInput(papers: readonly ReviewedPaper[], seed: number): RankingInput & { used: number } {
  const rng = createRng(seed);
  const pred: number[] = [];
  const label: number[] = [];
  const groups: string[] = [];
  for (const p of papers) {
    const k = p.values.length;
    if (k < 2) continue;
    const pick = rng.int(k);
    let rest = 0;
    p.values.forEach((v, i) => {
      if (i !== pick) rest += v;
    });
    pred.push(p.values[pick] as number);
    label.push(rest / (k - 1));
    groups.push(p.group);
  }
  return { pred, label, groups, used: pred.length };
}
