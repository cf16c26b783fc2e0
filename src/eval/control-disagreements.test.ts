import assert from "node:assert/strict";
import { test } from "node:test";
import { disagreements, independenceNote, type SystemResult } from "./eval-control.js";

const evaluation = (name: string, independent: boolean, c: [number, number, number]) => ({
  evaluator: name,
  independent,
  controllability: { novelty: c[0], feasibility: c[1], effectiveness: c[2] },
  controllabilityCi: {},
  withinPaper: { novelty: c[0], feasibility: c[1], effectiveness: c[2] },
  withinPaperCi: {},
  hypervolume: 0,
  hypervolumeCi: null,
  means: [],
  front: [],
  ceiling: { ceiling: 1, pairs: [] },
  weightedReward: 0,
});

test("disagreements: every independent evaluator is compared with the training one, in both directions", () => {
  const evaluators = [
    { name: "train", independent: false },
    { name: "indep-1", independent: true },
    { name: "indep-2", independent: true },
  ];
  const result: SystemResult = {
    name: "sys",
    ideas: 10,
    failed: 0,
    byEvaluator: [
      evaluation("train", false, [0.0, 0.3, 0.5]),
      evaluation("indep-1", true, [0.01, 0.28, 0.45]), // agrees
      evaluation("indep-2", true, [-0.3, 0.25, 0.1]), // novelty moves only here; effectiveness 1/5 the size
    ],
  };
  const lines = disagreements([result], evaluators);
  assert.equal(lines[0], "## Where the evaluators disagree");
  const items = lines.filter((l) => l.startsWith("- "));
  assert.equal(items.length, 2, lines.join("\n"));
  assert.ok(items.some((l) => l.includes("novelty") && l.includes("indep-2 -0.300")));
  assert.ok(items.some((l) => l.includes("effectiveness") && l.includes("indep-2 0.100")));
  const agreeing = disagreements([{ ...result, byEvaluator: result.byEvaluator.slice(0, 2) }], evaluators.slice(0, 2));
  assert.match(agreeing[0] as string, /agrees with the training one/);
});

test("an independent evaluator that reads the training one's model on a dimension is not called independent there", () => {
  const shared = { name: "transformer", independent: true, sharedWithTraining: { effectiveness: ["models/x"] } };
  assert.match(independenceNote(shared), /independent except on effectiveness \(models\/x\)/);
  assert.equal(independenceNote({ independent: true, sharedWithTraining: {} }), "independent: training never saw it");
  const evaluators = [{ name: "train", independent: false }, shared];
  const result: SystemResult = {
    name: "sys",
    ideas: 10,
    failed: 0,
    byEvaluator: [evaluation("train", false, [0.5, 0.3, 0.5]), evaluation("transformer", true, [0.5, 0.3, -0.4])],
  };
  // Effectiveness differs, but both read one model there: no second opinion to report, and the agreement says so.
  const lines = disagreements([result], evaluators);
  assert.match(lines[0] as string, /agrees .* where it reads a model of its own/, lines.join("\n"));
});
