import assert from "node:assert/strict";
import { test } from "node:test";
import { createRng, InputError, type Rng } from "../core/index.js";
import { type Idea, ideaJsonSchema, isCompleteIdea, parseIdea, renderIdea } from "./idea.js";
import { completeIdea, parseIdeaLoose } from "./parse-idea-loose.js";

// Pieces chosen to break naive parsers: edge and odd whitespace, labels inside values, astral and
// combining characters, right-to-left text, lone surrogates' neighbours, colons and bullets.
const PIECES = [
  " ",
  "  ",
  "\t",
  "\u00a0",
  "\u2003",
  "\u2028",
  "Title: ",
  "- Dataset Preparation: ",
  "Experiment Plan:",
  ":",
  "-",
  "**",
  "é",
  "e\u0301",
  "日本語",
  "עברית",
  "😀",
  "👩‍🔬",
  "$\\alpha_{t}$",
  '{"json": 1}',
  "word",
  "Transformer",
  ".",
  "\\",
  "\u0000",
];

function randomField(rng: Rng): string {
  const n = rng.int(12);
  let s = "";
  for (let i = 0; i < n; i++) s += PIECES[rng.int(PIECES.length)];
  return s;
}

const randomIdea = (rng: Rng): Idea => ({
  title: randomField(rng),
  method: randomField(rng),
  experimentPlan: { datasets: randomField(rng), baselines: randomField(rng), evaluation: randomField(rng) },
});

const SAMPLE: Idea = {
  title: "Steering idea generation with learned controllers",
  method: "Train one steering vector per dimension. Apply them per sentence.",
  experimentPlan: {
    datasets: "NeurIPS 2025 papers paired with their most-cited references.",
    baselines: "Prompting only; SFT without control.",
    evaluation: "Spearman between requested weights and judged scores.",
  },
};

test("renderIdea writes the DESIGN §1 layout", () => {
  assert.equal(
    renderIdea(SAMPLE),
    [
      "Title: Steering idea generation with learned controllers",
      "Method: Train one steering vector per dimension. Apply them per sentence.",
      "Experiment Plan:",
      "- Dataset Preparation: NeurIPS 2025 papers paired with their most-cited references.",
      "- Baseline Implementation: Prompting only; SFT without control.",
      "- Evaluation Procedure: Spearman between requested weights and judged scores.",
    ].join("\n"),
  );
});

test("parseIdea(renderIdea(x)) is x for 3000 random ideas with unicode and edge whitespace", () => {
  const rng = createRng(7);
  for (let i = 0; i < 3000; i++) {
    const idea = randomIdea(rng);
    const text = renderIdea(idea);
    assert.deepEqual(parseIdea(text), idea, JSON.stringify(idea));
    assert.equal(renderIdea(parseIdea(text)), text);
    assert.deepEqual(parseIdea(`${text}\n`), idea, "one trailing newline is allowed");
  }
});

test("renderIdea refuses a field with a line break; parseIdea names the bad line", () => {
  assert.throws(() => renderIdea({ ...SAMPLE, method: "two\nlines" }), /one line/);
  assert.throws(() => renderIdea({ ...SAMPLE, title: "cr\r" }), /one line/);
  const bad = renderIdea(SAMPLE).replace("- Baseline Implementation:", "- Baselines:");
  assert.throws(
    () => parseIdea(bad, "x.txt"),
    (e: unknown) => e instanceof InputError && e.location.line === 5 && /Baseline Implementation/.test(e.message),
  );
  assert.throws(() => parseIdea(renderIdea(SAMPLE).split("\n").slice(0, 5).join("\n")), /6 lines/);
  assert.throws(() => parseIdea(renderIdea(SAMPLE).replace("Experiment Plan:", "Experiment plan:")), /Experiment Plan/);
});

test("isCompleteIdea and the JSON schema require every field", () => {
  assert.equal(isCompleteIdea(SAMPLE), true);
  assert.equal(isCompleteIdea({ ...SAMPLE, experimentPlan: { ...SAMPLE.experimentPlan, baselines: "  " } }), false);
  const schema = ideaJsonSchema();
  assert.deepEqual(schema.required, ["title", "method", "experimentPlan"]);
  const plan = (schema.properties as Record<string, { required: string[] }>).experimentPlan;
  assert.deepEqual(plan?.required, ["datasets", "baselines", "evaluation"]);
});

test("parseIdeaLoose reads the canonical layout back exactly (whitespace-normalised values)", () => {
  const r = parseIdeaLoose(renderIdea(SAMPLE));
  assert.deepEqual(r.missing, []);
  assert.deepEqual(completeIdea(r), SAMPLE);
});

test("parseIdeaLoose tolerates markdown, case, bullets, synonyms and multi-line sections", () => {
  const text = `Sure! Here is a research idea.

# **TITLE:** Contrastive steering for   idea generation

## Proposed Method
We extract steering vectors by contrast.
They are added to the residual stream.

### Experiment plan
1. **Datasets**: NeurIPS papers.
2. **Baselines** - plain prompting.
3. *Evaluation Metrics:* judge scores.
`;
  const r = parseIdeaLoose(text);
  assert.deepEqual(r.missing, []);
  assert.deepEqual(completeIdea(r), {
    title: "Contrastive steering for idea generation",
    method: "We extract steering vectors by contrast. They are added to the residual stream.",
    experimentPlan: { datasets: "NeurIPS papers.", baselines: "plain prompting.", evaluation: "judge scores." },
  });
  assert.ok(r.warnings.some((w) => /before the first section/.test(w)));
});

test("parseIdeaLoose reports missing sections by name and takes unlabeled plan bullets in order", () => {
  const r = parseIdeaLoose("title: A\nexperiment plan:\n- use CIFAR-10\n- compare to ResNet\n");
  assert.deepEqual(r.missing, ["method", "experimentPlan.evaluation"]);
  assert.equal(r.idea.title, "A");
  assert.deepEqual(r.idea.experimentPlan, { datasets: "use CIFAR-10", baselines: "compare to ResNet" });
  assert.ok(r.warnings.some((w) => /unlabeled/.test(w)));
  assert.equal(completeIdea(r), null);

  const empty = parseIdeaLoose("Method:\nTitle: x");
  assert.deepEqual(empty.missing, [
    "method",
    ...["datasets", "baselines", "evaluation"].map((k) => `experimentPlan.${k}`),
  ]);
  assert.ok(empty.warnings.includes("method is empty"));

  const dup = parseIdeaLoose("Title: one\nTitle: two\nMethod: m");
  assert.equal(dup.idea.title, "one");
  assert.ok(dup.warnings.some((w) => /duplicate title/.test(w)));

  assert.deepEqual(parseIdeaLoose("").missing.length, 5);
});

test("parseIdeaLoose accepts JSON (bare or fenced), nested or flat plan keys", () => {
  const nested = parseIdeaLoose(JSON.stringify(SAMPLE));
  assert.deepEqual(completeIdea(nested), SAMPLE);
  const flat = parseIdeaLoose(
    '```json\n{"title":"T","method":"M\\nsecond line","datasets":"D","baselines":"B","evaluation":"E"}\n```',
  );
  assert.deepEqual(completeIdea(flat), {
    title: "T",
    method: "M second line",
    experimentPlan: { datasets: "D", baselines: "B", evaluation: "E" },
  });
  assert.deepEqual(parseIdeaLoose('{"title": 3}').missing.length, 5);
});
