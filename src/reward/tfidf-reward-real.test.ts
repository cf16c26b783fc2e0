import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { test } from "node:test";
import { deriveLabels, ReviewRecord, readJsonlGz, splitSentences } from "../datasets/index.js";
import { DIMENSIONS } from "../idea/index.js";
import { requireSharedData, sharedPath, tempDir } from "../testing/index.js";
import { abstractAsIdea } from "./abstract-as-idea.js";
import { TfidfRewardConfig } from "./tfidf-reward-config.js";
import { loadTfidfRewardModel, saveTfidfRewardModel } from "./tfidf-reward-model.js";
import { type LabelledText, trainTfidfReward, venueYear } from "./train-tfidf-reward.js";

const ROWS = 2400; // the first rows of reviews.jsonl.gz: ALT, COLM, CoRL and ICLR 2017/2018/2021 papers

// Spearman inline, so this test does not lean on eval/ (which sits below reward/).
function spearman(x: number[], y: number[]): number {
  const rank = (v: number[]) => {
    const o = v.map((a, i) => [a, i] as const).sort((a, b) => a[0] - b[0]);
    const r = new Array<number>(v.length);
    for (let i = 0; i < o.length; ) {
      let j = i;
      while (j + 1 < o.length && o[j + 1]?.[0] === o[i]?.[0]) j++;
      for (let k = i; k <= j; k++) r[o[k]?.[1] as number] = (i + j) / 2;
      i = j + 1;
    }
    return r;
  };
  const a = rank(x);
  const b = rank(y);
  const m = (v: number[]) => v.reduce((s, t) => s + t, 0) / v.length;
  const ma = m(a);
  const mb = m(b);
  let sab = 0;
  let saa = 0;
  let sbb = 0;
  a.forEach((ai, i) => {
    sab += (ai - ma) * ((b[i] as number) - mb);
    saa += (ai - ma) ** 2;
    sbb += ((b[i] as number) - mb) ** 2;
  });
  return sab / Math.sqrt(saa * sbb);
}

test("tf-idf ridge trained on a small real subset ranks held-out papers better than chance; save/load keeps scores; prefixes score", async (t) => {
  if (!requireSharedData(t)) return;
  const rows: (LabelledText & { split: number })[] = [];
  for await (const { value } of readJsonlGz(sharedPath("reviews.jsonl.gz"))) {
    const r = ReviewRecord.parse(value);
    const label = deriveLabels(r, { confidenceWeighted: false }).labels.effectiveness.value;
    if (label === null) continue;
    const split = createHash("sha1").update(r.id).digest()[0] as number; // by paper: 0-179 train, then val, test
    rows.push({ text: abstractAsIdea(r.title, r.abstract), label, venue: r.venue, year: r.year, split });
    if (rows.length >= ROWS) break;
  }
  const train = rows.filter((r) => r.split < 180);
  const val = rows.filter((r) => r.split >= 180 && r.split < 218);
  const test = rows.filter((r) => r.split >= 218);
  // Only effectiveness has labels for these venues; the same rows stand in for the other two heads.
  const splits = { novelty: { train, val }, feasibility: { train, val }, effectiveness: { train, val } };
  const config = TfidfRewardConfig.parse({ maxFeatures: 8000, alphas: [3, 10], standardize: "off", minGroupSize: 15 });
  const withinSpearman = (p: readonly number[], l: readonly number[], g: readonly string[]) => {
    const by = new Map<string, number[]>();
    g.forEach((k, i) => {
      by.set(k, [...(by.get(k) ?? []), i]);
    });
    const rs = [...by.values()]
      .filter((ix) => ix.length >= 15)
      .map((ix) =>
        spearman(
          ix.map((i) => p[i] as number),
          ix.map((i) => l[i] as number),
        ),
      );
    return rs.length ? rs.reduce((a, b) => a + b, 0) / rs.length : null;
  };
  const provenance = { dataset: "test", command: "test", createdAt: "2026-01-01" };
  const { model, vectorize } = trainTfidfReward(splits, { config, name: "tfidf-test", provenance, withinSpearman });

  // Held-out papers: the model orders pairs within a venue-year better than a coin.
  const pred = model.predictRaw(
    test.map((r) => vectorize(r.text)),
    "effectiveness",
  );
  let correct = 0;
  let pairs = 0;
  test.forEach((a, i) => {
    test.forEach((b, j) => {
      if (j <= i || venueYear(a) !== venueYear(b) || Math.abs(a.label - b.label) <= 0.15) return;
      pairs++;
      if ((pred[i] as number) > (pred[j] as number) === a.label > b.label) correct++;
    });
  });
  assert.ok(pairs > 500, `${pairs} pairs`);
  assert.ok(correct / pairs > 0.53, `pairwise accuracy ${correct / pairs} on ${pairs} held-out pairs`);

  // Save and load: the same scores in [0, 1], to the file's 6 significant digits.
  const dir = tempDir(t);
  saveTfidfRewardModel(dir, model.data);
  const loaded = loadTfidfRewardModel(dir);
  const sample = test.slice(0, 20).map((r) => r.text);
  const [a, b] = [await model.score(sample), await loaded.score(sample)];
  a.forEach((s, i) => {
    DIMENSIONS.forEach((d) => {
      assert.ok(s[d] >= 0 && s[d] <= 1);
      assert.ok(Math.abs(s[d] - (b[i]?.[d] as number)) < 1e-4, `${d}: ${s[d]} vs ${b[i]?.[d]}`);
    });
  });

  // Partial ideas: every prefix of first-k sentences scores, finite and in [0, 1].
  const sentences = splitSentences(sample[0] as string);
  const prefixes = sentences.map((_, k) => sentences.slice(0, k + 1).join(" "));
  for (const s of await loaded.score(["", ...prefixes]))
    for (const d of DIMENSIONS) assert.ok(Number.isFinite(s[d]) && s[d] >= 0 && s[d] <= 1, `${d} ${s[d]}`);
});
