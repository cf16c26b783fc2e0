import assert from "node:assert/strict";
import { test } from "node:test";
import { createRng } from "../core/index.js";
import type { Dimension } from "../idea/index.js";
import { type LabelledText, multitaskTargets } from "./multitask-targets.js";
import { fitRidge } from "./ridge-regression.js";
import { TfidfRewardConfig } from "./tfidf-reward-config.js";
import type { SparseRow } from "./tfidf-vectorizer.js";
import { trainTfidfReward } from "./train-tfidf-reward.js";

const row = (id: string, label: number, venue = "V", year = 2024): LabelledText => ({
  id,
  text: id,
  label,
  venue,
  year,
});

// Two papers per dimension keep the z-scores simple: within a venue-year of two, z = ±1.
const train: Record<Dimension, LabelledText[]> = {
  feasibility: [row("a", 0.9), row("b", 0.1)],
  effectiveness: [row("a", 0.2), row("b", 0.8), row("c", 0.6), row("d", 0.4)],
  novelty: [row("a", 0.7), row("c", 0.3)],
};
const zEff = (x: number) => {
  const ys = [0.2, 0.8, 0.6, 0.4];
  const m = ys.reduce((s, y) => s + y, 0) / 4;
  const sd = Math.sqrt(ys.reduce((s, y) => s + (y - m) ** 2, 0) / 4);
  return (x - m) / sd;
};

test("multi-task targets mix the paper's other z-scored labels with weight λ", () => {
  const t = multitaskTargets(train, "feasibility", { auxiliary: 1, auxiliaryOnly: 0 });
  assert.deepEqual(
    t.rows.map((r) => r.id),
    ["a", "b"],
  );
  // a: z_feas +1, z_eff(0.2), z_nov +1 -> (1 + 1·(z_eff + 1)) / (1 + 2)
  assert.ok(Math.abs((t.target[0] as number) - (1 + zEff(0.2) + 1) / 3) < 1e-9, String(t.target[0]));
  // b: z_feas −1, z_eff(0.8), no novelty label -> (−1 + z_eff) / 2
  assert.ok(Math.abs((t.target[1] as number) - (-1 + zEff(0.8)) / 2) < 1e-9, String(t.target[1]));
  assert.deepEqual(t.weight, [1, 1]);
  // λ = 0 is the dimension alone, standardised.
  assert.deepEqual(multitaskTargets(train, "feasibility", { auxiliary: 0, auxiliaryOnly: 0 }).target, [1, -1]);
});

test("papers labelled only on other dimensions join with weight ω, once each; keep drops rows", () => {
  const t = multitaskTargets(train, "feasibility", { auxiliary: 0, auxiliaryOnly: 0.5 });
  assert.deepEqual(
    t.rows.map((r) => r.id),
    ["a", "b", "c", "d"],
  );
  assert.deepEqual(t.weight, [1, 1, 0.5, 0.5]);
  // c: effectiveness and novelty labels, averaged; d: effectiveness only.
  assert.ok(Math.abs((t.target[2] as number) - (zEff(0.6) + -1) / 2) < 1e-9);
  assert.ok(Math.abs((t.target[3] as number) - zEff(0.4)) < 1e-9);
  const kept = multitaskTargets(train, "feasibility", { auxiliary: 0, auxiliaryOnly: 0.5 }, (r) => r.id !== "d");
  assert.deepEqual(
    kept.rows.map((r) => r.id),
    ["a", "b", "c"],
  );
  // Rows without an id cannot be joined: they keep their own label only.
  const anon = multitaskTargets(
    { ...train, feasibility: [{ text: "x", label: 1, venue: "V", year: 2024 }, row("b", 0)] },
    "feasibility",
    { auxiliary: 5, auxiliaryOnly: 0 },
  );
  assert.equal(anon.target[0], 1);
});

test("a weighted ridge equals the unweighted ridge on rows repeated by their integer weights", () => {
  const X = [
    [1, 0, 2],
    [0, 1, 0],
    [1, 1, 1],
    [0, 0, 3],
    [2, 1, 0],
  ];
  const y = [1, 0.5, 2, -1, 0.3];
  const w = [3, 1, 2, 1, 1];
  const sparse = (r: number[]): SparseRow => ({
    idx: Int32Array.from(r.flatMap((v, j) => (v ? [j] : []))),
    val: Float32Array.from(r.filter((v) => v)),
  });
  const opts = { alpha: 0.5, tol: 1e-12, maxIter: 200 };
  const weighted = fitRidge(X.map(sparse), y, 3, { ...opts, weights: w });
  const repeated = X.flatMap((r, i) => Array.from({ length: w[i] as number }, () => r));
  const ys = y.flatMap((v, i) => Array.from({ length: w[i] as number }, () => v));
  const plain = fitRidge(repeated.map(sparse), ys, 3, opts);
  for (let j = 0; j < 3; j++) assert.ok(Math.abs((weighted.w[j] as number) - (plain.w[j] as number)) < 1e-8);
  assert.ok(Math.abs(weighted.bias - plain.bias) < 1e-8);
  assert.throws(() => fitRidge(X.map(sparse), y, 3, { ...opts, weights: [1] }), /1 weights for 5 rows/);
});

test("multi-task targets win on val when a dimension's own labels are noisy and another's are clean", () => {
  // Latent quality q shows in the words; novelty labels are q buried in noise, effectiveness labels are q.
  const rng = createRng(3);
  const STRONG = ["scalable", "provable", "robust", "efficient", "general", "principled"];
  const WEAK = ["incremental", "heuristic", "narrow", "fragile", "adhoc", "limited"];
  const FILLER = ["graph", "network", "policy", "vision", "language", "kernel", "sampling", "retrieval"];
  const pick = (xs: string[]) => xs[rng.int(xs.length)] as string;
  const make = (split: string, n: number) =>
    Array.from({ length: n }, (_, i) => {
      const q = rng.next();
      const words = Array.from({ length: 30 }, () =>
        rng.next() < 0.3 ? pick(rng.next() < q ? STRONG : WEAK) : pick(FILLER),
      );
      const base = { id: `${split}${i}`, text: words.join(" "), venue: i % 2 ? "A" : "B", year: 2024 };
      return { novelty: { ...base, label: q + rng.normal() * 1.5 }, effectiveness: { ...base, label: q } };
    });
  const train = make("t", 600);
  const val = make("v", 400);
  const splits = {
    novelty: { train: train.map((p) => p.novelty), val: val.map((p) => p.novelty) },
    feasibility: { train: train.map((p) => p.effectiveness), val: val.map((p) => p.effectiveness) },
    effectiveness: { train: train.map((p) => p.effectiveness), val: val.map((p) => p.effectiveness) },
  };
  const spearman = (p: readonly number[], l: readonly number[]) => {
    const rank = (v: readonly number[]) => {
      const o = v.map((x, i) => [x, i] as const).sort((a, b) => a[0] - b[0]);
      const r = new Array<number>(v.length);
      o.forEach(([, i], k) => {
        r[i] = k;
      });
      return r;
    };
    const a = rank(p);
    const b = rank(l);
    const n = a.length;
    return 1 - (6 * a.reduce((s, x, i) => s + (x - (b[i] as number)) ** 2, 0)) / (n * (n * n - 1));
  };
  const { model, candidates } = trainTfidfReward(splits, {
    config: TfidfRewardConfig.parse({ minDf: 2, alphas: [1, 10], auxiliary: [0, 2], minGroupSize: 20 }),
    name: "t",
    provenance: { dataset: "synthetic", command: "test", createdAt: "2026-12-05" },
    withinSpearman: spearman,
  });
  const valOf = (aux: number) =>
    Math.max(
      ...candidates
        .filter((c) => c.dimension === "novelty" && c.auxiliary === aux)
        .map((c) => c.valWithinSpearman as number),
    );
  assert.ok(valOf(2) > valOf(0) + 0.05, `multi-task ${valOf(2)} vs alone ${valOf(0)}`);
  assert.equal(model.data.heads.novelty.auxiliary, 2);
  assert.equal(model.data.heads.novelty.standardize, true);
});
