import type { SparseRow } from "./tfidf-vectorizer.js";

export type RidgeOptions = {
  alpha: number; // penalty on ||w||²; the intercept is not penalised
  tol: number; // stop when ||r|| <= tol · ||Xcᵀ yc||
  maxIter: number;
  init?: Float64Array; // warm start (e.g. the solution at the previous alpha)
  weights?: readonly number[]; // per-row weights ω_i >= 0 (default 1)
};
export type RidgeFit = { w: Float64Array; bias: number; iterations: number; relResidual: number };

/**
 * Weighted ridge regression with an unpenalised intercept, solved to tolerance by conjugate gradient
 * on the normal equations of the centred problem (Ω = diag(ω), μ and ȳ the ω-weighted means):
 *   (Xcᵀ Ω Xc + α I) w = Xcᵀ Ω yc,   Xc = X − 1 μᵀ,  yc = y − ȳ,   b = ȳ − μ · w
 * Xc is never formed (it would be dense): Xc v = X v − (μ · v) 1 and Xcᵀ u = Xᵀ u − μ Σu.
 * @example fitRidge(rows, labels, dims, { alpha: 1, tol: 1e-6, maxIter: 500 }).w // Float64Array(dims)
 */
export function fitRidge(rows: readonly SparseRow[], y: readonly number[], dims: number, opts: RidgeOptions): RidgeFit {
  const n = rows.length;
  const om = opts.weights ?? new Array<number>(n).fill(1);
  if (om.length !== n) throw new Error(`fitRidge: ${om.length} weights for ${n} rows`);
  const total = om.reduce((a, b) => a + b, 0);
  const mu = new Float64Array(dims);
  rows.forEach((r, i) => {
    const s = (om[i] as number) / total;
    for (let k = 0; k < r.idx.length; k++) mu[r.idx[k] as number] += (r.val[k] as number) * s;
  });
  const ybar = y.reduce((a, b, i) => a + b * (om[i] as number), 0) / total;
  const yc = y.map((v, i) => (v - ybar) * (om[i] as number)); // Ω yc

  const xv = new Float64Array(n);
  const apply = (v: Float64Array, out: Float64Array) => {
    // out = (Xcᵀ Ω Xc + α I) v
    let muv = 0;
    for (let j = 0; j < dims; j++) muv += (mu[j] as number) * (v[j] as number);
    let sumU = 0;
    for (let i = 0; i < n; i++) {
      const r = rows[i] as SparseRow;
      let s = -muv;
      for (let k = 0; k < r.idx.length; k++) s += (r.val[k] as number) * (v[r.idx[k] as number] as number);
      s *= om[i] as number;
      xv[i] = s;
      sumU += s;
    }
    for (let j = 0; j < dims; j++) out[j] = opts.alpha * (v[j] as number) - (mu[j] as number) * sumU;
    for (let i = 0; i < n; i++) {
      const r = rows[i] as SparseRow;
      const s = xv[i] as number;
      for (let k = 0; k < r.idx.length; k++) out[r.idx[k] as number] += (r.val[k] as number) * s;
    }
  };

  const rhs = new Float64Array(dims); // Xcᵀ Ω yc (Σ ω yc = 0, so the μ term vanishes)
  for (let i = 0; i < n; i++) {
    const r = rows[i] as SparseRow;
    for (let k = 0; k < r.idx.length; k++) rhs[r.idx[k] as number] += (r.val[k] as number) * (yc[i] as number);
  }
  const w = opts.init ? Float64Array.from(opts.init) : new Float64Array(dims);
  const res = new Float64Array(dims);
  const ap = new Float64Array(dims);
  apply(w, ap);
  for (let j = 0; j < dims; j++) res[j] = (rhs[j] as number) - (ap[j] as number);
  const p = Float64Array.from(res);
  const bnorm = Math.sqrt(dot(rhs, rhs)) || 1;
  let rr = dot(res, res);
  let it = 0;
  for (; it < opts.maxIter && Math.sqrt(rr) > opts.tol * bnorm; it++) {
    apply(p, ap);
    const a = rr / dot(p, ap);
    for (let j = 0; j < dims; j++) {
      w[j] += a * (p[j] as number);
      res[j] -= a * (ap[j] as number);
    }
    const rrNew = dot(res, res);
    const beta = rrNew / rr;
    rr = rrNew;
    for (let j = 0; j < dims; j++) p[j] = (res[j] as number) + beta * (p[j] as number);
  }
  let muw = 0;
  for (let j = 0; j < dims; j++) muw += (mu[j] as number) * (w[j] as number);
  return { w, bias: ybar - muw, iterations: it, relResidual: Math.sqrt(rr) / bnorm };
}

function dot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i] as number) * (b[i] as number);
  return s;
}
