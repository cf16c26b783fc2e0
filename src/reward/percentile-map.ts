/**
 * Raw predictions -> [0, 1] by their percentile among reference predictions (the model's
 * predictions on the validation split, papers it never trained on): 0.7 means "ranks above 70 % of
 * held-out reviewed papers on this dimension", so the three dimensions share a scale. Inside the
 * reference range the map interpolates linearly between sorted references; outside it decays
 * exponentially towards 0 or 1 (scale: the references' interquartile range), so it stays strictly
 * increasing and ranks are kept.
 * @example percentileOf([1, 2, 3, 4], 2.5) // 0.5
 */
export function percentileOf(sortedRef: ArrayLike<number>, x: number): number {
  const m = sortedRef.length;
  if (m === 0 || !Number.isFinite(x)) return 0.5;
  const first = sortedRef[0] as number;
  const last = sortedRef[m - 1] as number;
  // rank r (0-based) sits at percentile (r + 0.5) / m
  const at = (r: number) => (r + 0.5) / m;
  const iqr = Math.max(
    1e-9,
    (sortedRef[Math.floor(0.75 * (m - 1))] as number) - (sortedRef[Math.floor(0.25 * (m - 1))] as number),
  );
  if (x <= first) return at(0) * Math.exp((x - first) / iqr);
  if (x >= last) return 1 - (1 - at(m - 1)) * Math.exp((last - x) / iqr);
  let lo = 0;
  let hi = m - 1;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if ((sortedRef[mid] as number) <= x) lo = mid;
    else hi = mid;
  }
  const a = sortedRef[lo] as number;
  const b = sortedRef[hi] as number;
  const f = b > a ? (x - a) / (b - a) : 0.5;
  return at(lo) + f * (at(hi) - at(lo));
}
