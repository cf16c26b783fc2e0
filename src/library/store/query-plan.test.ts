import assert from "node:assert/strict";
import { test } from "node:test";
import { rankTerms, searchPlan, similarPlan, stripFieldLabels } from "./query-plan.js";
import { termCounts } from "./query-terms.js";

// Document frequencies as in the full library (110,484 papers).
const DF: Record<string, number> = {
  learning: 48208,
  reinforcement: 6930,
  research: 8859,
  idea: 3340,
  softmax: 457,
  zebra: 0,
};
const I = '("idea" OR "ideas")';
const R = '("reinforcement" OR "reinforcements")';
const S = '("research" OR "researches")';
const SM = '("softmax" OR "softmaxes")';
const rank = (text: string) => rankTerms(termCounts(text), (t) => DF[t] ?? 100, 110_484);

test("common terms stay out of the AND; the rarest come first; absent terms are dropped", () => {
  const plan = searchPlan(rank("reinforcement learning for research idea zebra"));
  assert.deepEqual(plan, [
    `${I} AND ${R} AND ${S}`, // learning (48k) does not fit the postings budget
    `(${I} AND ${R}) OR (${I} AND ${S}) OR (${R} AND ${S})`,
    `${I} OR ${R}`, // the OR keeps at least two terms
  ]);
});

test("a one-term query is one AND stage; a query of only common terms still runs", () => {
  assert.deepEqual(searchPlan(rank("softmax")), [SM]);
  assert.deepEqual(searchPlan(rank("learning")), ['("learning" OR "learnings")']);
  assert.deepEqual(searchPlan(rank("zebra")), []);
});

test("long texts keep their most informative terms and lose field labels", () => {
  const text = "Title: Softmax ideas\nMethod: more softmax\n- Dataset Preparation: learning";
  assert.equal(stripFieldLabels(text).includes("Title"), false);
  assert.equal(stripFieldLabels(text).includes("Dataset"), false);
  assert.equal(similarPlan(rank(stripFieldLabels(text))), `${SM} OR ${I}`); // learning (48k) is over budget
});

test("plurals fold into one term; words that only share a stem stay apart", () => {
  assert.deepEqual(
    [...termCounts("Models model studies study boxes").entries()],
    [
      ["model", 2],
      ["study", 2],
      ["box", 1],
    ],
  );
  assert.deepEqual(
    [...termCounts("generation general universe university analysis class").keys()],
    ["generation", "general", "universe", "university", "analysis", "class"],
  );
});
