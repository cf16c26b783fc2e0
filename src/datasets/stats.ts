/** Summary statistics for the dataset card: distributions and correlations of labels. */
export type Summary = {
  n: number;
  mean: number | null;
  std: number | null; // population standard deviation
  min: number | null;
  p25: number | null;
  median: number | null;
  p75: number | null;
  max: number | null;
  histogram: number[]; // counts in `bins` equal bins over [0, 1] (the last bin includes 1)
};

export function summarize(values: number[], bins = 10): Summary {
  const n = values.length;
  const histogram = new Array<number>(bins).fill(0);
  for (const v of values) histogram[Math.min(bins - 1, Math.max(0, Math.floor(v * bins)))]++;
  if (n === 0) return { n, mean: null, std: null, min: null, p25: null, median: null, p75: null, max: null, histogram };
  const sorted = [...values].sort((a, b) => a - b);
  const mean = values.reduce((a, b) => a + b, 0) / n;
  const variance = values.reduce((a, b) => a + (b - mean) ** 2, 0) / n;
  return {
    n,
    mean: round4(mean),
    std: round4(Math.sqrt(variance)),
    min: round4(sorted[0] as number),
    p25: round4(quantile(sorted, 0.25)),
    median: round4(quantile(sorted, 0.5)),
    p75: round4(quantile(sorted, 0.75)),
    max: round4(sorted[n - 1] as number),
    histogram,
  };
}

/** Linear-interpolated quantile of sorted values (the R-7 / numpy default). */
export function quantile(sorted: number[], q: number): number {
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  const a = sorted[lo] as number;
  return a + ((sorted[hi] as number) - a) * (pos - lo);
}

/** Pearson correlation, unrounded (for bootstrap intervals); null when fewer than 3 pairs or a constant side. */
export function pearsonR(x: readonly number[], y: readonly number[]): number | null {
  const n = x.length;
  if (n < 3 || y.length !== n) return null;
  const mx = x.reduce((a, b) => a + b, 0) / n;
  const my = y.reduce((a, b) => a + b, 0) / n;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    const dx = (x[i] as number) - mx;
    const dy = (y[i] as number) - my;
    sxy += dx * dy;
    sxx += dx * dx;
    syy += dy * dy;
  }
  if (sxx <= 0 || syy <= 0) return null;
  return sxy / Math.sqrt(sxx * syy);
}

/** Pearson correlation rounded to 4 decimals, as dataset cards print it. */
export function pearson(x: number[], y: number[]): number | null {
  const r = pearsonR(x, y);
  return r === null ? null : round4(r);
}

/** Spearman correlation: Pearson on average ranks (ties share their mean rank). */
export function spearman(x: number[], y: number[]): number | null {
  return pearson(ranks(x), ranks(y));
}

export function ranks(xs: number[]): number[] {
  const order = xs.map((v, i) => [v, i] as const).sort((a, b) => a[0] - b[0]);
  const out = new Array<number>(xs.length);
  for (let i = 0; i < order.length; ) {
    let j = i;
    while (j + 1 < order.length && order[j + 1]?.[0] === order[i]?.[0]) j++;
    for (let k = i; k <= j; k++) out[order[k]?.[1] as number] = (i + j) / 2 + 1;
    i = j + 1;
  }
  return out;
}

const round4 = (x: number) => Math.round(x * 1e4) / 1e4;
