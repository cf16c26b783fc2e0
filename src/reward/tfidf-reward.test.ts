import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { tempDir } from "../testing/index.js";
import { loadRewardModel } from "./load-reward-model.js";
import { percentileOf } from "./percentile-map.js";
import type { RewardModel } from "./reward-model.js";
import { fitRidge } from "./ridge-regression.js";
import { createScoreCache, MAX_IDEA_CHARS, MAX_IDEAS_PER_CALL, scoreIdeas } from "./score-ideas.js";
import { SHIPPED_TFIDF_MODEL_DIR } from "./shipped-reward-model.js";
import { standardizeWithin } from "./tfidf-head.js";
import { fitVocabulary, type SparseRow, tfidfTerms, vectorize, vectorizerOf } from "./tfidf-vectorizer.js";

test("tf-idf terms drop the idea layout's labels and add bigrams; rows are l2-normalised", () => {
  const text = "Title: Sparse attention\nMethod: We prune heads.\nExperiment Plan:\n- Dataset Preparation: ImageNet";
  const terms = tfidfTerms(text, true);
  assert.ok(!terms.includes("title") && !terms.includes("preparation"), terms.join(" "));
  assert.ok(terms.includes("sparse_attention"));
  const docs = ["sparse attention heads", "dense attention layers", "sparse coding", "attention heads pruning"];
  const vocab = fitVocabulary(docs, { maxFeatures: 5, minDf: 2, bigrams: false });
  assert.deepEqual(vocab.terms, ["attention", "heads", "sparse"]); // df >= 2 only, sorted
  const row = vectorize(vectorizerOf(vocab, false), "sparse sparse attention unknownword");
  const norm = Math.sqrt(Array.from(row.val).reduce((a, v) => a + v * v, 0));
  assert.ok(Math.abs(norm - 1) < 1e-6);
  assert.deepEqual(Array.from(row.idx), [0, 2]);
  assert.equal(vectorize(vectorizerOf(vocab, false), "").idx.length, 0);
});

test("ridge by conjugate gradient matches the closed-form solution with an unpenalised intercept", () => {
  // 5 documents, 3 features (dense values stored sparse); solve (XcᵀXc + αI) w = Xcᵀ yc by hand.
  const X = [
    [1, 0, 2],
    [0, 1, 0],
    [3, 1, 0],
    [0, 0, 1],
    [1, 2, 1],
  ];
  const y = [1, 2, 5, 0, 3];
  const alpha = 0.5;
  const rows: SparseRow[] = X.map((r) => {
    const idx = r.map((v, i) => (v !== 0 ? i : -1)).filter((i) => i >= 0);
    return { idx: Int32Array.from(idx), val: Float32Array.from(idx.map((i) => r[i] as number)) };
  });
  const fit = fitRidge(rows, y, 3, { alpha, tol: 1e-12, maxIter: 100 });
  const n = X.length;
  const mu = [0, 1, 2].map((j) => X.reduce((a, r) => a + (r[j] as number), 0) / n);
  const ybar = y.reduce((a, b) => a + b, 0) / n;
  const A = [0, 1, 2].map((i) =>
    [0, 1, 2].map(
      (j) =>
        X.reduce((a, r) => a + ((r[i] as number) - (mu[i] as number)) * ((r[j] as number) - (mu[j] as number)), 0) +
        (i === j ? alpha : 0),
    ),
  );
  const b = [0, 1, 2].map((i) =>
    X.reduce((a, r, k) => a + ((r[i] as number) - (mu[i] as number)) * ((y[k] as number) - ybar), 0),
  );
  const w = solve3(A, b);
  w.forEach((wi, i) => {
    assert.ok(Math.abs(wi - (fit.w[i] as number)) < 1e-6, `w${i}: ${wi} vs ${fit.w[i]}`);
  });
  const bias = ybar - mu.reduce((a, m, i) => a + m * (w[i] as number), 0);
  assert.ok(Math.abs(bias - fit.bias) < 1e-6);
});

function solve3(A: number[][], b: number[]): number[] {
  const M = A.map((r, i) => [...r, b[i] as number]);
  for (let c = 0; c < 3; c++) {
    for (let r = c + 1; r < 3; r++) {
      const f = (M[r]?.[c] as number) / (M[c]?.[c] as number);
      for (let k = c; k < 4; k++) (M[r] as number[])[k] = (M[r]?.[k] as number) - f * (M[c]?.[k] as number);
    }
  }
  const x = [0, 0, 0];
  for (let r = 2; r >= 0; r--) {
    let s = M[r]?.[3] as number;
    for (let k = r + 1; k < 3; k++) s -= (M[r]?.[k] as number) * (x[k] as number);
    x[r] = s / (M[r]?.[r] as number);
  }
  return x;
}

test("the percentile map is strictly increasing, inside (0, 1), and 0.5 at the median", () => {
  const ref = [1, 2, 3, 4];
  assert.equal(percentileOf(ref, 2.5), 0.5);
  const xs = [-100, -1, 0.5, 1, 1.5, 3.9, 4, 7, 1000];
  const ps = xs.map((x) => percentileOf(ref, x));
  for (let i = 1; i < ps.length; i++)
    assert.ok((ps[i] as number) > (ps[i - 1] as number) || (ps[i] as number) === 1 || (ps[i - 1] as number) === 0);
  for (const p of ps) assert.ok(p >= 0 && p <= 1);
  assert.ok((ps[1] as number) > 0 && (ps[7] as number) < 1);
});

test("per-venue-year standardisation z-scores labels within each venue-year", () => {
  const z = standardizeWithin([0.2, 0.4, 0.6, 0.9, 0.9], ["A", "A", "A", "B", "B"]);
  assert.ok(Math.abs((z[0] as number) + (z[2] as number)) < 1e-9 && Math.abs(z[1] as number) < 1e-9);
  assert.deepEqual(z.slice(3), [0, 0]); // no spread: only centred
});

test("scoreIdeas batches, keeps order, caches by text, and refuses oversized input with a clear error", async () => {
  const seen: string[] = [];
  const model: RewardModel = {
    name: "len",
    dimensions: ["novelty", "feasibility", "effectiveness"],
    async score(texts) {
      seen.push(...texts);
      return texts.map((t) => ({ novelty: t.length / 100, feasibility: 0.5, effectiveness: 1 - t.length / 100 }));
    },
  };
  const cache = createScoreCache(10);
  const out = await scoreIdeas(["a", "bb", "a", "ccc"], { model, cache, batchSize: 2 });
  assert.deepEqual(
    out.map((s) => s.novelty),
    [0.01, 0.02, 0.01, 0.03],
  );
  assert.deepEqual(seen, ["a", "bb", "ccc"]); // "a" repeated in one call is scored once...
  await scoreIdeas(["bb", "ccc"], { model, cache });
  assert.equal(seen.length, 3, "...and a second call hits the cache");
  await assert.rejects(
    scoreIdeas(["x".repeat(MAX_IDEA_CHARS + 1)], { model }),
    /idea 0 has \d+ characters; the limit is/,
  );
  await assert.rejects(
    scoreIdeas(
      Array.from({ length: MAX_IDEAS_PER_CALL + 1 }, () => "x"),
      { model },
    ),
    /ideas in one call; the limit is/,
  );
});

test("loadRewardModel opens the shipped models by their format and names what is wrong with other folders", async (t) => {
  for (const [dir, name] of [
    [undefined, "reward-ensemble"],
    [SHIPPED_TFIDF_MODEL_DIR, "tfidf-ridge"],
  ] as const) {
    const shipped = loadRewardModel(dir);
    assert.equal(shipped.name, name);
    const [s] = await shipped.score(["Title: Robust sparse attention\nMethod: We prune heads with a learned gate."]);
    for (const d of shipped.dimensions) assert.ok((s?.[d] as number) > 0 && (s?.[d] as number) < 1);
  }
  const dir = tempDir(t);
  assert.throws(() => loadRewardModel(dir), /reward model not found: .*model\.json/);
  writeFileSync(join(dir, "model.json"), '{"format":"ideasteer-reward-unknown"}');
  assert.throws(() => loadRewardModel(dir), /unknown reward-model format "ideasteer-reward-unknown"/);
  // A model.json re-indented by hand, its keys reordered, still opens.
  const file = JSON.parse(readFileSync(join(SHIPPED_TFIDF_MODEL_DIR, "model.json"), "utf8"));
  const { format, ...rest } = file;
  writeFileSync(join(dir, "model.json"), JSON.stringify({ ...rest, format }, null, 2));
  assert.equal(loadRewardModel(dir).name, "tfidf-ridge");
});
