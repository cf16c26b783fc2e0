import { DIMENSIONS, type Dimension } from "../idea/index.js";
import { standardizeWithin } from "./tfidf-head.js";

/** A labelled training text; `id` (the review row) joins one paper's labels across dimensions. */
export type LabelledText = { id?: string; text: string; label: number; venue: string; year: number };

/** How much the other dimensions' labels of the same paper count (0 and 0: this dimension alone). */
export type Auxiliary = { auxiliary: number; auxiliaryOnly: number };

export type TrainingTargets = { rows: LabelledText[]; target: number[]; weight: number[] };

const venueYearOf = (r: { venue: string; year: number }) => `${r.venue} ${r.year}`;

/**
 * Multi-task regression targets for dimension d. One reviewer's sub-scores are noisy and share a
 * "how good is this paper" factor, so the paper's other labels denoise this one:
 *   y_i = (z_d,i + λ Σ_o z_o,i) / (1 + λ k_i)   papers labelled on d (k_i other labels), weight 1
 *   y_i = mean_o z_o,i                          papers labelled only on other dimensions, weight ω
 * z: each dimension's training labels z-scored within venue-year (venues use different scales).
 * λ = `auxiliary`, ω = `auxiliaryOnly`; rows without an `id` take no part in the joining.
 * `keep` restricts the training rows (leave-one-venue-year-out drops one venue-year).
 * @example multitaskTargets(train, "feasibility", { auxiliary: 0.5, auxiliaryOnly: 1 }) // { rows, target, weight }
 */
export function multitaskTargets(
  train: Record<Dimension, readonly LabelledText[]>,
  d: Dimension,
  aux: Auxiliary,
  keep: (r: LabelledText) => boolean = () => true,
): TrainingTargets {
  const z = new Map<Dimension, Map<string, number>>();
  const own: { row: LabelledText; z: number }[] = [];
  for (const dim of DIMENSIONS) {
    const rows = train[dim].filter(keep);
    const zs = standardizeWithin(
      rows.map((r) => r.label),
      rows.map(venueYearOf),
    );
    if (dim === d) for (const [i, row] of rows.entries()) own.push({ row, z: zs[i] as number });
    else z.set(dim, new Map(rows.flatMap((r, i) => (r.id === undefined ? [] : [[r.id, zs[i] as number]]))));
  }
  const othersOf = (id: string | undefined) =>
    id === undefined ? [] : [...z.values()].flatMap((m) => (m.has(id) ? [m.get(id) as number] : []));

  const out: TrainingTargets = { rows: [], target: [], weight: [] };
  const ownIds = new Set<string>();
  for (const { row, z: zd } of own) {
    const others = othersOf(row.id);
    if (row.id !== undefined) ownIds.add(row.id);
    out.rows.push(row);
    out.target.push((zd + aux.auxiliary * others.reduce((a, b) => a + b, 0)) / (1 + aux.auxiliary * others.length));
    out.weight.push(1);
  }
  if (aux.auxiliaryOnly > 0) {
    // Papers with no d label: the first row seen per id, its other labels averaged.
    const seen = new Set<string>();
    for (const dim of DIMENSIONS) {
      if (dim === d) continue;
      for (const row of train[dim]) {
        if (row.id === undefined || ownIds.has(row.id) || seen.has(row.id) || !keep(row)) continue;
        seen.add(row.id);
        const others = othersOf(row.id);
        out.rows.push(row);
        out.target.push(others.reduce((a, b) => a + b, 0) / others.length);
        out.weight.push(aux.auxiliaryOnly);
      }
    }
  }
  return out;
}
