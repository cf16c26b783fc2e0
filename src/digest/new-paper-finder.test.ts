import assert from "node:assert/strict";
import { join } from "node:path";
import { test } from "node:test";
import { newPaper, PaperStore, titleId } from "../library/index.js";
import { tempDir } from "../testing/index.js";
import { NewPaperFinder } from "./index.js";

const paper = (title: string, abstract: string) => newPaper({ id: titleId(title), title, abstract, source: "listing" });

test("new papers are those past the cursor that hold every query word, best BM25 first, capped and counted", (t) => {
  const path = join(tempDir(t), "library.sqlite");
  assert.deepEqual(NewPaperFinder.open(path).find("diffusion", { afterPk: 0, upToPk: 9, limit: 5 }), {
    papers: [],
    matched: 0,
  });
  const library = PaperStore.open(path);
  library.upsert([
    paper("Old diffusion model", "An earlier diffusion model for images."),
    paper("Robot grasping", "Reinforcement learning for grasping."),
  ]);
  const finder = NewPaperFinder.open(path);
  t.after(() => finder.close());
  const cursor = finder.latestPk();
  assert.equal(cursor, 2);
  library.upsert([
    paper("Diffusion models for text", "Diffusion models generate text; diffusion models steer."),
    paper("Guided sampling", "Sampling from diffusion models with guidance."),
    paper("Diffusion of innovations", "How ideas spread."), // holds "diffusion" only: not a match for both words
  ]);
  library.close();
  const latest = finder.latestPk();
  const found = finder.find("Diffusion models", { afterPk: cursor, upToPk: latest, limit: 1 });
  assert.equal(found.matched, 2);
  assert.deepEqual(
    found.papers.map((p) => p.paper.title),
    ["Diffusion models for text"],
    "the best match; the old paper is not new",
  );
  assert.deepEqual(finder.find("models diffusion", { afterPk: latest, upToPk: latest, limit: 5 }).matched, 0);
  assert.equal(
    finder.find('diffusion" OR grasping', { afterPk: 0, upToPk: latest, limit: 9 }).matched,
    0,
    "no FTS5 syntax",
  );
});
