import assert from "node:assert/strict";
import { test } from "node:test";
import { repairJson } from "./repair-json.js";

const ok = (text: string) => {
  const r = repairJson(text);
  assert.ok(r.ok, `expected a repair of ${JSON.stringify(text)}: ${r.ok ? "" : r.error}`);
  return r;
};

test("strict JSON passes unchanged, with no repairs", () => {
  const v = { novelty: { rationale: "close to [x]", citedIds: ["a/b"], score: 4 } };
  const r = ok(JSON.stringify(v, null, 2));
  assert.deepEqual(r.value, v);
  assert.deepEqual(r.repairs, []);
  assert.equal(r.truncated, false);
});

test("a chatty answer: prose, a ```json fence, trailing commas and a closing remark", () => {
  const text = [
    "Sure! Here is my evaluation of the idea:",
    "",
    "```json",
    "{",
    '  "novelty": {"rationale": "Similar to prior work on RLHF.", "citedIds": ["iclr2021/abc",], "score": 4,},',
    '  "feasibility": {"rationale": "Doable.", "citedIds": [], "score": 8},',
    "}",
    "```",
    "Let me know if you need anything else.",
  ].join("\n");
  const r = ok(text);
  assert.deepEqual(r.value, {
    novelty: { rationale: "Similar to prior work on RLHF.", citedIds: ["iclr2021/abc"], score: 4 },
    feasibility: { rationale: "Doable.", citedIds: [], score: 8 },
  });
  assert.ok(r.repairs.includes("took the code fence"));
  assert.ok(r.repairs.includes("dropped 3 trailing commas"), r.repairs.join("; "));
});

test("Python-style output: single quotes, bare keys, True/None, an apostrophe escaped", () => {
  const r = ok("{novelty: {'rationale': 'It\\'s new', citedIds: [], score: 9, flagged: True, note: None}}");
  assert.deepEqual(r.value, { novelty: { rationale: "It's new", citedIds: [], score: 9, flagged: true, note: null } });
  assert.ok(
    r.repairs.some((x) => x.startsWith("quoted 5 bare keys")),
    r.repairs.join("; "),
  );
  assert.ok(
    r.repairs.some((x) => x.startsWith("rewrote 2 single-quoted")),
    r.repairs.join("; "),
  );
  assert.ok(
    r.repairs.some((x) => x.startsWith("rewrote 2 Python literals")),
    r.repairs.join("; "),
  );
});

test("text around a bare object is dropped, and raw newlines inside strings are kept as newlines", () => {
  const r = ok('My answer: {"a": "line one\nline two", "b": 2} -- end');
  assert.deepEqual(r.value, { a: "line one\nline two", b: 2 });
  assert.ok(r.repairs.includes("dropped text before the object"));
  assert.ok(r.repairs.includes("dropped text after the object"));
});

test("truncated at maxTokens: missing closing braces are added, a cut string value is kept", () => {
  const full =
    '{"novelty": {"rationale": "Builds on X", "citedIds": ["p1"], "score": 6}, "effectiveness": {"rationale": "Likely to help';
  const r = ok(full);
  assert.equal(r.truncated, true);
  assert.deepEqual(r.value, {
    novelty: { rationale: "Builds on X", citedIds: ["p1"], score: 6 },
    effectiveness: { rationale: "Likely to help" },
  });
  const closedOnly = ok('{"a": {"score": 7}');
  assert.deepEqual(closedOnly.value, { a: { score: 7 } });
  assert.ok(closedOnly.repairs.includes("closed 1 bracket left open by the end of the output"));
});

test("a number, key or literal cut off at the end is dropped, never guessed (a cut '10' is not 1)", () => {
  const r = ok('{"novelty": {"rationale": "fine", "score": 1');
  assert.deepEqual(r.value, { novelty: { rationale: "fine" } });
  assert.ok(r.repairs.includes("dropped a member cut off by the end of the output"));
  assert.deepEqual(ok('{"a": 1, "sco').value, { a: 1 });
  assert.deepEqual(ok('{"a": 1, score').value, { a: 1 });
  assert.deepEqual(ok('{"a": 1, "b": tru').value, { a: 1 });
  assert.deepEqual(ok('{"a": 1, "b":').value, { a: 1 });
  assert.deepEqual(ok('{"a": [1, 2,').value, { a: [1, 2] });
  assert.deepEqual(ok('{"a": "x\\').value, { a: "x" });
});

test("braces in the prose before the answer are skipped: the first '{' that opens an object wins", () => {
  const r = ok('Scores {see below} for {idea}: {"novelty": {"score": 8}}');
  assert.deepEqual(r.value, { novelty: { score: 8 } });
});

test("what cannot be repaired is an error that says where", () => {
  const none = repairJson("I cannot judge this idea.");
  assert.deepEqual(none.ok, false);
  assert.match(none.ok ? "" : none.error, /no JSON object/);
  const bad = repairJson('{"a": 1 "b": 2}');
  assert.equal(bad.ok, false);
  assert.match(bad.ok ? "" : bad.error, /expected "," or "}" at character 8/);
  const unquoted = repairJson('{"rationale": "the "best" idea", "score": 3}');
  assert.equal(unquoted.ok, false);
});

test("\\u escapes and unicode survive; a lone fence without an object is ignored", () => {
  const r = ok('```\nnot json\n``` then {"t": "caf\\u00e9 — ✓"}');
  assert.deepEqual(r.value, { t: "café — ✓" });
});
