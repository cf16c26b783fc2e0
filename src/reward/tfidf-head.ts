import { fitRidge } from "./ridge-regression.js";
import type { SparseRow } from "./tfidf-vectorizer.js";

export type TfidfHead = {
  alpha: number;
  standardize: boolean; // trained on labels z-scored within venue-year
  auxiliary: number; // λ: weight of the paper's other labels in the target (multitask-targets.ts)
  auxiliaryOnly: number; // ω: weight of papers labelled only on other dimensions
  bias: number;
  weights: Float32Array; // one per vocabulary term
  reference: Float64Array; // sorted raw predictions on the validation split: the [0, 1] map
};

export type HeadFitOptions = {
  alpha: number;
  standardize: boolean;
  tol: number;
  maxIter: number;
  init?: Float64Array;
  weights?: readonly number[]; // per-row ridge weights (default 1)
};

/**
 * Per-venue-year standardisation: y' = (y − mean_g) / std_g within each venue-year g, so that a
 * venue's harsher or kinder scale (NeurIPS 2025 rates 1-6, ICLR 1-10) does not become a topic
 * signal; groups with one paper or no spread are only centred.
 */
export function standardizeWithin(labels: readonly number[], groups: readonly string[]): number[] {
  const stats = new Map<string, { n: number; s: number; ss: number }>();
  labels.forEach((y, i) => {
    const g = groups[i] as string;
    const st = stats.get(g) ?? { n: 0, s: 0, ss: 0 };
    st.n++;
    st.s += y;
    st.ss += y * y;
    stats.set(g, st);
  });
  return labels.map((y, i) => {
    const st = stats.get(groups[i] as string) as { n: number; s: number; ss: number };
    const mean = st.s / st.n;
    const sd = Math.sqrt(Math.max(0, st.ss / st.n - mean * mean));
    return sd > 1e-9 && st.n > 1 ? (y - mean) / sd : y - mean;
  });
}

/** Fits one dimension's ridge head on vectorised rows; `reference` is left empty for the caller. */
export function fitTfidfHead(
  rows: readonly SparseRow[],
  labels: readonly number[],
  groups: readonly string[],
  dims: number,
  opts: HeadFitOptions,
): TfidfHead & { raw: Float64Array } {
  const y = opts.standardize ? standardizeWithin(labels, groups) : [...labels];
  const { alpha, tol, maxIter, init, weights } = opts;
  const fit = fitRidge(rows, y, dims, { alpha, tol, maxIter, init, weights });
  return {
    alpha: opts.alpha,
    standardize: opts.standardize,
    auxiliary: 0,
    auxiliaryOnly: 0,
    bias: fit.bias,
    weights: Float32Array.from(fit.w),
    reference: new Float64Array(0),
    raw: fit.w,
  };
}
