import assert from "node:assert/strict";
import { join } from "node:path";
import { test } from "node:test";
import { parseIdea } from "../idea/index.js";
import { PaperStore } from "../library/index.js";
import { SAMPLE_IDEA_TEXT, tempDir } from "../testing/index.js";
import { exportIdeas, IdeaStore, type NewIdea } from "./index.js";

const TEXT = SAMPLE_IDEA_TEXT;

const idea = (seed: number, paperId: string | null = "p1"): NewIdea => ({
  run: "r1",
  paper: { id: paperId, title: "Sparse attention", abstract: "We make attention sparse." },
  text: TEXT,
  idea: parseIdea(TEXT),
  scores: { novelty: 0.4, feasibility: 0.7, effectiveness: 0.5 },
  weights: { novelty: 1 / 3, feasibility: 1 / 3, effectiveness: 1 / 3 },
  backend: "builtin:model.gguf",
  models: { policy: "sha256:0123456789abcdef" },
  seed,
  related: [{ id: "p1", title: "Sparse attention", role: "source" }],
});

test("the idea history keeps ideas with their provenance, ratings and preferences, beside the library in one file", (t) => {
  const path = join(tempDir(t), "library.sqlite");
  const store = IdeaStore.open(path);
  const [a, b] = store.save([idea(1), idea(2)]);
  const [c] = store.save([idea(3, null)]);
  assert.deepEqual(
    store.list().map((s) => s.id),
    [c, b, a],
    "newest first",
  );
  assert.deepEqual(
    store.list({ paperId: "p1" }).map((s) => s.seed),
    [2, 1],
  );
  const got = store.get(a as number);
  assert.deepEqual({ ...got, id: 0, createdAt: "", rating: null }, { ...idea(1), id: 0, createdAt: "", rating: null });
  store.rate(a as number, 4);
  store.rate(a as number, 5);
  assert.equal(store.get(a as number).rating, 5, "the latest rating counts");
  store.prefer(b as number, a as number);
  assert.deepEqual(store.preferences(), [{ better: b, worse: a }]);
  assert.throws(() => store.rate(a as number, 6), /rating 6/);
  assert.throws(() => store.prefer(a as number, a as number), /over itself/);
  assert.throws(() => store.get(999), /idea not found: 999/);
  assert.match(exportIdeas([store.get(a as number)], "md"), /## Learned sparsity patterns[\s\S]*your rating 5\/5/);
  store.close();

  // The library opens the same file and migrates its own schema; neither knows the other's tables.
  const library = PaperStore.open(path);
  assert.equal(library.count(), 0);
  library.close();
  const again = IdeaStore.open(path);
  assert.equal(again.list().length, 3);
  again.close();
});

test("a batch of ideas is saved whole or not at all", (t) => {
  const store = IdeaStore.open(join(tempDir(t), "library.sqlite"));
  const bad = { ...idea(2), paper: { id: "p1", title: null as unknown as string, abstract: "" } };
  assert.throws(() => store.save([idea(1), bad]), /NOT NULL/);
  assert.equal(store.list().length, 0);
  store.close();
});

test("BibTeX export: one entry per related paper across ideas, filled from the library, special characters escaped", (t) => {
  const store = IdeaStore.open(join(tempDir(t), "library.sqlite"));
  t.after(() => store.close());
  const withPrior = (seed: number): NewIdea => ({
    ...idea(seed),
    related: [
      { id: "p1", title: "Sparse attention", role: "source" },
      { id: "neurips2023/x_1", title: "Costs {and} 50% of $budget", role: "prior", year: 2023 },
    ],
  });
  store.save([withPrior(1), withPrior(2)]);
  const bib = exportIdeas(store.list(), "bib", (id) =>
    id === "p1"
      ? { id, title: "Sparse attention", authors: ["Ada Lovelace", "Alan Turing"], year: 2024, venue: "ICLR" }
      : null,
  );
  const entries = bib.match(/^@misc\{/gm) ?? [];
  assert.equal(entries.length, 2, "two papers, however many ideas cite them");
  assert.match(
    bib,
    /@misc\{p1,\n {2}title = \{Sparse attention\},\n {2}author = \{Ada Lovelace and Alan Turing\},\n {2}year = 2024,\n {2}howpublished = \{ICLR\}/,
  );
  assert.match(bib, /@misc\{neurips2023_x_1,/);
  assert.match(bib, /title = \{Costs \\\{and\\\} 50\\% of \\\$budget\}/);
  assert.equal((bib.match(/(?<!\\)\{/g) ?? []).length, (bib.match(/(?<!\\)\}/g) ?? []).length, "braces balance");
});
