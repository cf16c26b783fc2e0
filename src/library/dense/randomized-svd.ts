import type { Rng } from "../../core/index.js";

/** A sparse n x V matrix in compressed rows (row i holds cols[rowPtr[i] .. rowPtr[i+1]) with vals). */
export type SparseRows = { rowPtr: Int32Array; cols: Int32Array; vals: Float32Array; nCols: number };

const nRows = (a: SparseRows) => a.rowPtr.length - 1;

/** A X: (n x V sparse)(V x m dense, row-major) -> n x m. */
export function mulAX(a: SparseRows, x: Float64Array, m: number): Float64Array {
  const out = new Float64Array(nRows(a) * m);
  for (let i = 0; i < nRows(a); i++)
    for (let p = a.rowPtr[i] as number; p < (a.rowPtr[i + 1] as number); p++) {
      const v = a.vals[p] as number;
      const src = (a.cols[p] as number) * m;
      const dst = i * m;
      for (let j = 0; j < m; j++) out[dst + j] = (out[dst + j] as number) + v * (x[src + j] as number);
    }
  return out;
}

/** Aᵀ Y: (V x n)(n x m dense, row-major) -> V x m. */
export function mulAtY(a: SparseRows, y: Float64Array, m: number): Float64Array {
  const out = new Float64Array(a.nCols * m);
  for (let i = 0; i < nRows(a); i++)
    for (let p = a.rowPtr[i] as number; p < (a.rowPtr[i + 1] as number); p++) {
      const v = a.vals[p] as number;
      const dst = (a.cols[p] as number) * m;
      const src = i * m;
      for (let j = 0; j < m; j++) out[dst + j] = (out[dst + j] as number) + v * (y[src + j] as number);
    }
  return out;
}

/** Orthonormal columns of a rows x m matrix (row-major), in place: modified Gram-Schmidt, twice (stable enough). */
export function orthonormalize(q: Float64Array, rows: number, m: number): void {
  for (let pass = 0; pass < 2; pass++)
    for (let j = 0; j < m; j++) {
      for (let k = 0; k < j; k++) {
        let dot = 0;
        for (let r = 0; r < rows; r++) dot += (q[r * m + j] as number) * (q[r * m + k] as number);
        for (let r = 0; r < rows; r++) q[r * m + j] = (q[r * m + j] as number) - dot * (q[r * m + k] as number);
      }
      let norm = 0;
      for (let r = 0; r < rows; r++) norm += (q[r * m + j] as number) ** 2;
      const inv = norm > 1e-300 ? 1 / Math.sqrt(norm) : 0;
      for (let r = 0; r < rows; r++) q[r * m + j] = (q[r * m + j] as number) * inv;
    }
}

/** Eigenvalues (descending) and eigenvectors (columns, row-major m x m) of a symmetric m x m matrix: cyclic Jacobi. */
export function symmetricEigen(s: Float64Array, m: number): { values: Float64Array; vectors: Float64Array } {
  const a = Float64Array.from(s);
  const v = new Float64Array(m * m);
  for (let i = 0; i < m; i++) v[i * m + i] = 1;
  for (let sweep = 0; sweep < 50; sweep++) {
    let off = 0;
    for (let p = 0; p < m; p++) for (let q = p + 1; q < m; q++) off += (a[p * m + q] as number) ** 2;
    if (off < 1e-22) break;
    for (let p = 0; p < m; p++)
      for (let q = p + 1; q < m; q++) {
        const apq = a[p * m + q] as number;
        if (Math.abs(apq) < 1e-300) continue;
        // The rotation that zeroes a[p][q]: tan(2θ) = 2 a_pq / (a_qq - a_pp).
        const theta = ((a[q * m + q] as number) - (a[p * m + p] as number)) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const sn = t * c;
        for (let k = 0; k < m; k++) {
          const akp = a[k * m + p] as number;
          const akq = a[k * m + q] as number;
          a[k * m + p] = c * akp - sn * akq;
          a[k * m + q] = sn * akp + c * akq;
        }
        for (let k = 0; k < m; k++) {
          const apk = a[p * m + k] as number;
          const aqk = a[q * m + k] as number;
          a[p * m + k] = c * apk - sn * aqk;
          a[q * m + k] = sn * apk + c * aqk;
        }
        for (let k = 0; k < m; k++) {
          const vkp = v[k * m + p] as number;
          const vkq = v[k * m + q] as number;
          v[k * m + p] = c * vkp - sn * vkq;
          v[k * m + q] = sn * vkp + c * vkq;
        }
      }
  }
  const order = [...Array(m).keys()].sort((i, j) => (a[j * m + j] as number) - (a[i * m + i] as number));
  const values = Float64Array.from(order, (i) => a[i * m + i] as number);
  const vectors = new Float64Array(m * m);
  order.forEach((src, dst) => {
    for (let k = 0; k < m; k++) vectors[k * m + dst] = v[k * m + src] as number;
  });
  return { values, vectors };
}

/**
 * The top-k right singular vectors of A (Halko, Martinsson & Tropp 2011, algorithms 4.4 and 5.1):
 *   Q = orth((AᵀA)^q Aᵀ Ω)        V x l, l = k + oversampling, Ω ~ N(0, 1)^(n x l)
 *   B = A Q;  BᵀB = W Λ Wᵀ         the small l x l eigenproblem
 *   V_k = Q W[:, :k],  σ_i = √λ_i
 * Returns V_k as a V x k row-major Float32Array and the k singular values.
 */
export function topRightSingularVectors(
  a: SparseRows,
  k: number,
  o: { rng: Rng; oversample?: number; powerIterations?: number },
): { vectors: Float32Array; values: Float64Array } {
  const n = nRows(a);
  const l = Math.min(k + (o.oversample ?? 16), a.nCols, n);
  const omega = Float64Array.from({ length: n * l }, () => o.rng.normal());
  let q = mulAtY(a, omega, l);
  orthonormalize(q, a.nCols, l);
  for (let it = 0; it < (o.powerIterations ?? 2); it++) {
    const y = mulAX(a, q, l);
    orthonormalize(y, n, l);
    q = mulAtY(a, y, l);
    orthonormalize(q, a.nCols, l);
  }
  const b = mulAX(a, q, l);
  const btb = new Float64Array(l * l);
  for (let r = 0; r < n; r++)
    for (let i = 0; i < l; i++) {
      const bi = b[r * l + i] as number;
      if (bi === 0) continue;
      for (let j = i; j < l; j++) btb[i * l + j] = (btb[i * l + j] as number) + bi * (b[r * l + j] as number);
    }
  for (let i = 0; i < l; i++) for (let j = 0; j < i; j++) btb[i * l + j] = btb[j * l + i] as number;
  const { values, vectors: w } = symmetricEigen(btb, l);
  const kk = Math.min(k, l);
  const out = new Float32Array(a.nCols * kk);
  for (let r = 0; r < a.nCols; r++)
    for (let j = 0; j < kk; j++) {
      let s = 0;
      for (let i = 0; i < l; i++) s += (q[r * l + i] as number) * (w[i * l + j] as number);
      out[r * kk + j] = s;
    }
  return { vectors: out, values: Float64Array.from(values.slice(0, kk), (x) => Math.sqrt(Math.max(0, x))) };
}
