import assert from "node:assert/strict";
import { test } from "node:test";
import { checkAnswer, judgeAnswerJsonSchema, mapScore } from "./judge-answer.js";

const dim = (score: unknown, citedIds: string[] = [], rationale = "because") => ({ rationale, citedIds, score });
const ALLOWED = ["neurips2023/a", "iclr2021/b", "cvpr2019/c"];

test("scores map to [0, 1] by (s - 1) / 9", () => {
  assert.equal(mapScore(1), 0);
  assert.equal(mapScore(10), 1);
  assert.equal(mapScore(4), 1 / 3);
});

test("a good answer: cited ids not in the prompt are dropped and counted, repeats and [brackets] folded", () => {
  const r = checkAnswer(
    {
      novelty: dim(4, ["[neurips2023/a]", "arxiv/made-up", "neurips2023/a", "iclr2021/b"]),
      feasibility: dim("8/10"),
      effectiveness: dim(7.0, ["nowhere/1", "nowhere/2"]),
      extra: "ignored",
    },
    { allowedIds: ALLOWED, noveltyNeedsCitation: true },
  );
  assert.ok(r.ok, r.ok ? "" : r.problems.join("; "));
  assert.deepEqual(r.scores.novelty, {
    score: 4,
    mapped: 1 / 3,
    rationale: "because",
    citedIds: ["neurips2023/a", "iclr2021/b"],
    droppedCitations: 1,
  });
  assert.equal(r.scores.feasibility.score, 8);
  assert.deepEqual(r.scores.effectiveness.citedIds, []);
  assert.equal(r.scores.effectiveness.droppedCitations, 2);
});

test("novelty under 6 must name similar works that were retrieved; 6 and up need not", () => {
  const base = { feasibility: dim(5), effectiveness: dim(5) };
  const opts = { allowedIds: ALLOWED, noveltyNeedsCitation: true };
  const invented = checkAnswer({ ...base, novelty: dim(3, ["arxiv/2401.00001"]) }, opts);
  assert.equal(invented.ok, false);
  assert.match(
    invented.ok ? "" : (invented.problems[0] ?? ""),
    /under 6 must cite.*1 cited id\(s\) were not among them/,
  );
  assert.equal(checkAnswer({ ...base, novelty: dim(6) }, opts).ok, true);
  // With no related work retrieved there is nothing to cite: the rule cannot apply.
  assert.equal(checkAnswer({ ...base, novelty: dim(2) }, { allowedIds: [], noveltyNeedsCitation: false }).ok, true);
});

test("schema problems name the field: missing dimension, out-of-range or fractional score, empty rationale", () => {
  const r = checkAnswer(
    { novelty: dim(11, ["iclr2021/b"]), feasibility: dim(6.5), effectiveness: dim(5, [], "   ") },
    { allowedIds: ALLOWED, noveltyNeedsCitation: true },
  );
  assert.equal(r.ok, false);
  const problems = r.ok ? [] : r.problems;
  assert.ok(
    problems.some((p) => p.startsWith("novelty.score:")),
    problems.join("; "),
  );
  assert.ok(
    problems.some((p) => p.startsWith("feasibility.score:") && p.includes("whole")),
    problems.join("; "),
  );
  assert.ok(
    problems.some((p) => p.startsWith("effectiveness.rationale:")),
    problems.join("; "),
  );
  const missing = checkAnswer({ novelty: dim(7) }, { allowedIds: ALLOWED, noveltyNeedsCitation: true });
  assert.ok(!missing.ok && missing.problems.some((p) => p.startsWith("feasibility:")));
});

test("the grammar schema: score enum 1..10, cited ids an enum of the prompt's papers, novelty cites one", () => {
  const s = judgeAnswerJsonSchema({
    allowedIds: ALLOWED,
    relatedIds: ALLOWED.slice(1),
    rationaleMaxChars: 300,
    maxCitedIds: 2,
  });
  const props = s.properties as Record<string, { properties: Record<string, Record<string, unknown>> }>;
  assert.deepEqual(s.required, ["novelty", "feasibility", "effectiveness"]);
  assert.deepEqual(props.novelty?.properties.score, { enum: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10] });
  assert.deepEqual(props.novelty?.properties.citedIds, {
    type: "array",
    items: { enum: ALLOWED },
    minItems: 1,
    maxItems: 2,
  });
  assert.equal(props.feasibility?.properties.citedIds?.minItems, 0);
  assert.equal(props.effectiveness?.properties.rationale?.maxLength, 300);
  const none = judgeAnswerJsonSchema({ allowedIds: [], relatedIds: [], rationaleMaxChars: 300, maxCitedIds: 2 });
  const noneProps = none.properties as Record<string, { properties: Record<string, Record<string, unknown>> }>;
  assert.equal(noneProps.novelty?.properties.citedIds?.maxItems, 0, "nothing to cite: the grammar allows only []");
  const unbounded = judgeAnswerJsonSchema({
    allowedIds: ALLOWED,
    relatedIds: ALLOWED,
    rationaleMaxChars: 0,
    maxCitedIds: 2,
  });
  const uProps = unbounded.properties as Record<string, { properties: Record<string, Record<string, unknown>> }>;
  assert.deepEqual(uProps.novelty?.properties.rationale, { type: "string" });
});
