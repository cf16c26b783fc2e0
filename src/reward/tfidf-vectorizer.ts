import { EXPERIMENT_PLAN_LABEL, IDEA_LABELS } from "../idea/index.js";
import { contentWords } from "../library/index.js";

/** One document as a sparse, l2-normalised row: ascending term indices and their weights. */
export type SparseRow = { idx: Int32Array; val: Float32Array };

export type TfidfVocabulary = {
  terms: string[]; // index -> term ("word" or "word_word" for a bigram)
  idf: Float32Array; // ln((1 + N) / (1 + df)) + 1, sklearn's smoothed idf
};

export type VocabularyOptions = {
  maxFeatures: number; // keep the terms with the highest document frequency
  minDf: number; // and only terms in at least this many training documents
  bigrams: boolean;
};

// The section-1 labels ("Title:", "- Dataset Preparation:") are in every idea: they say nothing.
const LABEL_LINE = new RegExp(
  `^\\s*-?\\s*(?:${[...Object.values(IDEA_LABELS), EXPERIMENT_PLAN_LABEL].join("|")}):`,
  "gmu",
);

/** The terms of a text: content words (the library's tokenisation) plus adjacent-word bigrams. */
export function tfidfTerms(text: string, bigrams: boolean): string[] {
  const words = contentWords(text.replace(LABEL_LINE, " "));
  if (!bigrams) return words;
  const out = [...words];
  for (let i = 0; i + 1 < words.length; i++) out.push(`${words[i]}_${words[i + 1]}`);
  return out;
}

/**
 * Fits the vocabulary on training texts: document frequencies, the `maxFeatures` most frequent
 * terms with df >= minDf (ties broken alphabetically, so the result is deterministic), their idf.
 */
export function fitVocabulary(texts: readonly string[], opts: VocabularyOptions): TfidfVocabulary {
  const df = new Map<string, number>();
  for (const t of texts) for (const term of new Set(tfidfTerms(t, opts.bigrams))) df.set(term, (df.get(term) ?? 0) + 1);
  const kept = [...df.entries()]
    .filter(([, c]) => c >= opts.minDf)
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
    .slice(0, opts.maxFeatures)
    .sort((a, b) => (a[0] < b[0] ? -1 : 1));
  const N = texts.length;
  return {
    terms: kept.map(([t]) => t),
    idf: Float32Array.from(kept.map(([, c]) => Math.log((1 + N) / (1 + c)) + 1)),
  };
}

export type Vectorizer = { vocabulary: TfidfVocabulary; bigrams: boolean; index: Map<string, number> };

export const vectorizerOf = (vocabulary: TfidfVocabulary, bigrams: boolean): Vectorizer => ({
  vocabulary,
  bigrams,
  index: new Map(vocabulary.terms.map((t, i) => [t, i])),
});

/** x_t = (1 + ln tf_t) · idf_t over in-vocabulary terms, then x / ||x||₂ (an empty text is all zeros). */
export function vectorize(v: Vectorizer, text: string): SparseRow {
  const tf = new Map<number, number>();
  for (const term of tfidfTerms(text, v.bigrams)) {
    const i = v.index.get(term);
    if (i !== undefined) tf.set(i, (tf.get(i) ?? 0) + 1);
  }
  const idx = Int32Array.from([...tf.keys()].sort((a, b) => a - b));
  const val = new Float32Array(idx.length);
  let norm = 0;
  idx.forEach((i, k) => {
    const w = (1 + Math.log(tf.get(i) as number)) * (v.vocabulary.idf[i] as number);
    val[k] = w;
    norm += w * w;
  });
  if (norm > 0) {
    const s = 1 / Math.sqrt(norm);
    for (let k = 0; k < val.length; k++) val[k] = (val[k] as number) * s;
  }
  return { idx, val };
}

/** w · x + b for a sparse row. */
export function sparseDot(row: SparseRow, w: ArrayLike<number>, bias: number): number {
  let s = bias;
  for (let k = 0; k < row.idx.length; k++) s += (row.val[k] as number) * (w[row.idx[k] as number] as number);
  return s;
}
