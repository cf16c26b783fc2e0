import { createHash } from "node:crypto";
import { createRng } from "../../core/index.js";
import { termCounts } from "../store/query-terms.js";
import { type SparseRows, topRightSingularVectors } from "./randomized-svd.js";

/**
 * Latent semantic analysis: a paper's TF-IDF vector projected on the top singular directions of the library's
 * TF-IDF matrix, L2-normalised. Papers that share no word but share vocabulary *neighbourhoods* (synonyms,
 * co-occurring terms) land near each other: what BM25 alone misses.
 */
export type LsaModel = {
  id: string; // a hash of the vocabulary and the projection: vectors from different models never mix
  dim: number;
  vocab: Map<string, number>;
  idf: Float32Array;
  projection: Float32Array; // V x dim, row-major
};

export type LsaFitOptions = { dim?: number; maxVocab?: number; minDf?: number; seed?: number };

/** The text of a paper as the index embeds it: the title twice (it says what the paper is about most densely). */
export const paperText = (p: { title: string; abstract: string }): string => `${p.title}\n${p.title}\n${p.abstract}`;

/** Fits the model on `texts` (a sample of the library is enough: a few thousand papers fix the directions). */
export function fitLsa(texts: readonly string[], o: LsaFitOptions = {}): LsaModel {
  const counts = texts.map((t) => termCounts(t));
  // A term in one paper only is noise in a large library but may be all a small one has.
  const vocab = chooseVocabulary(counts, o.maxVocab ?? 50_000, o.minDf ?? (texts.length < 1_000 ? 1 : 2));
  const df = new Float64Array(vocab.size);
  for (const c of counts) for (const t of c.keys()) if (vocab.has(t)) df[vocab.get(t) as number] += 1;
  const idf = Float32Array.from(df, (d) => Math.log((texts.length + 1) / (d + 1)) + 1);
  const a = toSparse(counts, vocab, idf);
  const dim = Math.min(o.dim ?? 128, vocab.size, texts.length);
  const { vectors } = topRightSingularVectors(a, dim, { rng: createRng(o.seed ?? 1234) });
  const id = createHash("sha256")
    .update([...vocab.keys()].join("\n"))
    .update(new Uint8Array(vectors.buffer))
    .digest("hex")
    .slice(0, 16);
  return { id, dim, vocab, idf, projection: vectors };
}

/** Terms in at least `minDf` texts and at most half of them, the most frequent `maxVocab`. */
function chooseVocabulary(
  counts: readonly Map<string, number>[],
  maxVocab: number,
  minDf: number,
): Map<string, number> {
  const df = new Map<string, number>();
  for (const c of counts) for (const t of c.keys()) df.set(t, (df.get(t) ?? 0) + 1);
  const kept = [...df.entries()]
    .filter(([, d]) => d >= minDf && d <= Math.max(minDf, counts.length / 2))
    .sort((x, y) => y[1] - x[1] || (x[0] < y[0] ? -1 : 1))
    .slice(0, maxVocab);
  return new Map(kept.map(([t], i) => [t, i]));
}

/** Sublinear TF-IDF rows, L2-normalised. */
function toSparse(counts: readonly Map<string, number>[], vocab: Map<string, number>, idf: Float32Array): SparseRows {
  const rowPtr = new Int32Array(counts.length + 1);
  const cols: number[] = [];
  const vals: number[] = [];
  counts.forEach((c, i) => {
    const row = tfidf(c, vocab, idf);
    for (const [j, v] of row) {
      cols.push(j);
      vals.push(v);
    }
    rowPtr[i + 1] = cols.length;
  });
  return { rowPtr, cols: Int32Array.from(cols), vals: Float32Array.from(vals), nCols: vocab.size };
}

function tfidf(c: Map<string, number>, vocab: Map<string, number>, idf: Float32Array): [number, number][] {
  const row: [number, number][] = [];
  let norm = 0;
  for (const [t, tf] of c) {
    const j = vocab.get(t);
    if (j === undefined) continue;
    const v = (1 + Math.log(tf)) * (idf[j] as number);
    row.push([j, v]);
    norm += v * v;
  }
  const inv = norm > 0 ? 1 / Math.sqrt(norm) : 0;
  return row.map(([j, v]) => [j, v * inv]);
}

/** A text's unit vector in the model's space (all zeros when it holds no word of the vocabulary). */
export function embedText(model: LsaModel, text: string): Float32Array {
  const out = new Float32Array(model.dim);
  for (const [j, v] of tfidf(termCounts(text), model.vocab, model.idf)) {
    const base = j * model.dim;
    for (let d = 0; d < model.dim; d++) out[d] = (out[d] as number) + v * (model.projection[base + d] as number);
  }
  let norm = 0;
  for (const x of out) norm += x * x;
  if (norm > 0) {
    const inv = 1 / Math.sqrt(norm);
    for (let d = 0; d < model.dim; d++) out[d] = (out[d] as number) * inv;
  }
  return out;
}
