import assert from "node:assert/strict";
import { test } from "node:test";
import { parseIdea, renderIdea } from "../idea/index.js";
import { requireSharedData, sharedPath } from "../testing/index.js";
import { cleanPaperText } from "./clean-paper-text.js";
import { extractIdeaOffline, type PaperFullText } from "./extract-idea-offline.js";
import { readCitations, readPaperIndex } from "./read-sources.js";
import { splitSentences } from "./split-sentences.js";

test("splitSentences keeps abbreviations, initials and decimals inside sentences; lines are blocks", () => {
  assert.deepEqual(
    splitSentences(
      "We follow Smith et al. (2020) and J. Doe. Accuracy rose to 95.3% on CIFAR-10, e.g. for ViT. Next one!\n3.1 Setup\nWe train Llama3-8B. It works.",
    ),
    [
      "We follow Smith et al. (2020) and J. Doe.",
      "Accuracy rose to 95.3% on CIFAR-10, e.g. for ViT.",
      "Next one!",
      "3.1 Setup",
      "We train Llama3-8B.",
      "It works.",
    ],
  );
});

test("cleanPaperText drops citation markers, entities, placeholders and spaces before punctuation", () => {
  assert.equal(
    cleanPaperText("Prior work [3, 5] and [Vaswani, 2017] use it (Lee et al., 2021) ; x &gt; y <!-- image --> done ."),
    "Prior work and use it; x > y done.",
  );
  assert.equal(
    cleanPaperText("We build on RefDAVIS17 Pont-Tuset et al. (2017) and more."),
    "We build on RefDAVIS17 and more.",
  );
});

const SYNTH: PaperFullText = {
  id: "x",
  title: "  Sparse   Steering\n",
  abstract:
    "Large models are hard to steer. We propose sparse steering vectors that act on a few residual directions. Our method trains them by contrast between good and bad ideas. It works well.",
  method: "3 Method\nWe use a contrastive objective over paired activations to learn each vector.",
  experiments:
    "We evaluate on the NeurIPS 2025 dataset of citing papers and their references. We compare against prompting baselines and activation addition. We report Spearman correlation as the evaluation metric for controllability.",
};

test("offline extraction lays sentences out by role: method from the abstract, plan from the experiments", () => {
  const r = extractIdeaOffline(SYNTH);
  assert.deepEqual(r.idea, {
    title: "Sparse Steering",
    method:
      "We propose sparse steering vectors that act on a few residual directions. Our method trains them by contrast between good and bad ideas.",
    experimentPlan: {
      datasets: "We evaluate on the NeurIPS 2025 dataset of citing papers and their references.",
      baselines: "We compare against prompting baselines and activation addition.",
      evaluation: "We report Spearman correlation as the evaluation metric for controllability.",
    },
  });
  assert.deepEqual(r.sources, {
    method: ["abstract"],
    datasets: ["experiments"],
    baselines: ["experiments"],
    evaluation: ["experiments"],
  });
  const noPlan = extractIdeaOffline({
    ...SYNTH,
    experiments: null,
    method: null,
    abstract: "We propose a thing that is new and good.",
  });
  assert.equal(noPlan.idea.experimentPlan.baselines, "", "no cue sentence: the field stays empty");
});

test("on real NeurIPS 2025 full texts the extraction is deterministic, one-line, drawn from the paper, and mostly filled", async (t) => {
  if (!requireSharedData(t)) return;
  const citations = await readCitations(sharedPath("citations.jsonl.gz"), 60);
  const papers = await readPaperIndex(sharedPath("papers.jsonl.gz"), new Set(citations.map((c) => c.citing_id)));
  const filled = { datasets: 0, baselines: 0, evaluation: 0 };
  for (const c of citations) {
    const p = papers.get(c.citing_id);
    assert.ok(p, c.citing_id);
    const full = {
      id: p.id,
      title: p.title,
      abstract: p.abstract,
      method: c.sections.method,
      experiments: c.sections.experiments,
    };
    const a = extractIdeaOffline(full);
    assert.deepEqual(extractIdeaOffline(full), a, "deterministic");
    assert.deepEqual(parseIdea(renderIdea(a.idea)), a.idea, "one-line fields");
    assert.ok(a.idea.method.length > 0, `${c.citing_id} has a method`);
    // every picked sentence is the paper's own (cleaned) text, list markers aside
    const source = cleanPaperText(
      [p.abstract, c.sections.method ?? "", c.sections.experiments ?? ""].join("\n"),
    ).replace(/\s+/g, " ");
    for (const field of [a.idea.method, ...Object.values(a.idea.experimentPlan)])
      for (const s of splitSentences(field)) assert.ok(source.includes(s), `${c.citing_id}: ${s}`);
    assert.ok(!/Appendix/.test(renderIdea(a.idea)), "no pointers to the appendix");
    for (const k of ["datasets", "baselines", "evaluation"] as const) if (a.idea.experimentPlan[k] !== "") filled[k]++;
  }
  for (const [k, n] of Object.entries(filled)) assert.ok(n >= 48, `${k} filled in ${n} of 60 real papers`);
});
