import { DIMENSIONS, type Scores } from "../idea/index.js";

/** An idea generated under static control at known weights, and its scores. */
export type ResponseSample = { paper: string; weights: Scores; scores: Scores };

type Matrix = number[][]; // 3 x 3, rows and columns in DIMENSIONS order

const vec = (s: Scores) => DIMENSIONS.map((d) => s[d]);

/**
 * The controllers' measured response, by least squares with each paper's mean taken out:
 *   s_j(idea) − s̄_j(paper) = Σ_k B_jk (w_k − w̄_k(paper)) + noise.
 * Weights sum to 1, so only differences between them are identified; the minimum-norm solution has rows that sum
 * to 0 (B·1 = 0).
 */
export function fitResponse(samples: readonly ResponseSample[]): Matrix {
  const byPaper = new Map<string, ResponseSample[]>();
  for (const s of samples) byPaper.set(s.paper, [...(byPaper.get(s.paper) ?? []), s]);
  const X: number[][] = [];
  const Y: number[][] = [];
  for (const group of byPaper.values()) {
    const w = group.map((s) => vec(s.weights));
    const y = group.map((s) => vec(s.scores));
    const wMean = DIMENSIONS.map((_, k) => w.reduce((a, r) => a + (r[k] as number), 0) / w.length);
    const yMean = DIMENSIONS.map((_, k) => y.reduce((a, r) => a + (r[k] as number), 0) / y.length);
    w.forEach((r, i) => {
      X.push(r.map((x, k) => x - (wMean[k] as number)));
      Y.push((y[i] as number[]).map((x, k) => x - (yMean[k] as number)));
    });
  }
  // B = Yᵀ X (XᵀX + εI)⁻¹, ε tiny: the minimum-norm solution along the unidentified direction 1.
  const xtx = gram(X);
  const eps = 1e-9 * (trace(xtx) || 1);
  const inv = inverse3(xtx.map((r, i) => r.map((x, j) => x + (i === j ? eps : 0))));
  const ytx = DIMENSIONS.map((_, j) =>
    DIMENSIONS.map((_, k) => X.reduce((a, r, i) => a + (Y[i]?.[j] ?? 0) * (r[k] as number), 0)),
  );
  return multiply(ytx, inv);
}

/**
 * Calibrated static control: the weights applied are
 *   u = 1/3 + C (w − 1/3),   C = λ (BᵀB + δI)⁻¹ Bᵀ
 * so that B (u − 1/3) ≈ λ (w − 1/3): each score moves with its own weight, whichever controllers it takes, even a
 * controller that moves its own dimension the wrong way. δ (a share of BᵀB's mean eigenvalue) keeps noise in B from
 * blowing up; λ keeps the largest applied |u_k − 1/3| at a vertex of the simplex at 2/3, as uncalibrated weights.
 */
export function calibrationMatrix(response: Matrix, ridge = 0.05): Matrix {
  const bt = transpose(response);
  const btb = multiply(bt, response);
  const delta = (ridge * trace(btb)) / 3 || 1e-9;
  const raw = multiply(inverse3(btb.map((r, i) => r.map((x, j) => x + (i === j ? delta : 0)))), bt);
  const vertexShift = DIMENSIONS.map((_, j) =>
    Math.max(
      ...apply(
        raw,
        DIMENSIONS.map((_, k) => (k === j ? 2 / 3 : -1 / 3)),
      ).map(Math.abs),
    ),
  );
  const lambda = 2 / 3 / Math.max(1e-12, ...vertexShift);
  return raw.map((r) => r.map((x) => lambda * x));
}

/** u = 1/3 + C (w − 1/3): the weights the controllers are applied with (they may be negative or above 1). */
export function calibratedWeights(c: Matrix, w: Scores): Scores {
  const shift = apply(
    c,
    vec(w).map((x) => x - 1 / 3),
  );
  return Object.fromEntries(DIMENSIONS.map((d, k) => [d, 1 / 3 + (shift[k] as number)])) as Scores;
}

const apply = (m: Matrix, v: readonly number[]) => m.map((r) => r.reduce((a, x, k) => a + x * (v[k] as number), 0));
const transpose = (m: Matrix): Matrix => DIMENSIONS.map((_, j) => m.map((r) => r[j] as number));
const trace = (m: Matrix) => m.reduce((a, r, i) => a + (r[i] as number), 0);
/** XᵀX of rows of three columns. */
export const gram = (x: readonly (readonly number[])[]): Matrix =>
  DIMENSIONS.map((_, i) => DIMENSIONS.map((_, j) => x.reduce((a, r) => a + (r[i] as number) * (r[j] as number), 0)));
const multiply = (a: Matrix, b: Matrix): Matrix =>
  a.map((r) => DIMENSIONS.map((_, j) => r.reduce((s, x, k) => s + x * (b[k]?.[j] ?? 0), 0)));

/** A 3 x 3 inverse by cofactors (the matrices here are symmetric positive definite after the ridge). */
export function inverse3(m: Matrix): Matrix {
  const det = determinant3(m);
  if (Math.abs(det) < 1e-300) throw new RangeError("singular matrix");
  return [0, 1, 2].map((i) => [0, 1, 2].map((j) => cofactor3(m, j, i) / det));
}

/** The (i, j) cofactor of a 3 x 3 matrix: the signed determinant of what is left without row i and column j. */
function cofactor3(m: readonly (readonly number[])[], i: number, j: number): number {
  const g = (a: number, b: number) => m[a]?.[b] ?? 0;
  const [r0, r1] = [0, 1, 2].filter((x) => x !== i) as [number, number];
  const [c0, c1] = [0, 1, 2].filter((x) => x !== j) as [number, number];
  const minor = g(r0, c0) * g(r1, c1) - g(r0, c1) * g(r1, c0);
  return (i + j) % 2 === 0 ? minor : -minor;
}

/** det of a 3 x 3 matrix, by cofactors along the first row. */
export function determinant3(m: readonly (readonly number[])[]): number {
  return [0, 1, 2].reduce((a, j) => a + (m[0]?.[j] ?? 0) * cofactor3(m, 0, j), 0);
}
