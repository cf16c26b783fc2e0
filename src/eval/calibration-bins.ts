export type CalibrationBin = { lo: number; hi: number; n: number; meanScore: number | null; meanLabel: number | null };

/**
 * Reliability bins: scores in [0, 1] cut into `bins` equal-width bins (the last includes 1); per bin
 * the count, the mean score and the mean label. A calibrated scorer's bins lie on the diagonal.
 * @example calibrationBins([0.1, 0.9], [0.2, 0.7], 2) // [{lo:0,hi:0.5,n:1,meanScore:0.1,meanLabel:0.2}, {lo:0.5,hi:1,n:1,...}]
 */
export function calibrationBins(scores: readonly number[], labels: readonly number[], bins = 10): CalibrationBin[] {
  const sumS = new Array<number>(bins).fill(0);
  const sumL = new Array<number>(bins).fill(0);
  const n = new Array<number>(bins).fill(0);
  scores.forEach((s, i) => {
    const b = Math.min(bins - 1, Math.max(0, Math.floor(s * bins)));
    sumS[b] = (sumS[b] as number) + s;
    sumL[b] = (sumL[b] as number) + (labels[i] as number);
    n[b] = (n[b] as number) + 1;
  });
  return n.map((count, b) => ({
    lo: b / bins,
    hi: (b + 1) / bins,
    n: count,
    meanScore: count > 0 ? (sumS[b] as number) / count : null,
    meanLabel: count > 0 ? (sumL[b] as number) / count : null,
  }));
}
