import assert from "node:assert/strict";
import { cpSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { DIMENSIONS } from "../../idea/index.js";
import { SHIPPED_TFIDF_MODEL_DIR, SHIPPED_TRANSFORMER_RM_DIR } from "../../reward/index.js";
import { runCli, tempDir } from "../../testing/index.js";

test("train ensemble --per-dimension wants three members, each trained on the dimension it stands for", (t) => {
  const home = tempDir(t);
  const two = runCli(home, ["train", "ensemble", "--per-dimension", "--member", "a", "--member", "b", "--out", "x"]);
  assert.notEqual(two.status, 0);
  assert.match(two.stderr, /give three reward-model folders: novelty's, feasibility's and effectiveness's/);

  // A novelty-only model in feasibility's place is refused before anything is scored.
  const novelty = join(home, "rm-novelty");
  cpSync(SHIPPED_TRANSFORMER_RM_DIR, novelty, { recursive: true });
  const file = JSON.parse(readFileSync(join(novelty, "model.json"), "utf8"));
  writeFileSync(join(novelty, "model.json"), JSON.stringify({ ...file, dimensions: ["novelty"] }));
  const tfidf = SHIPPED_TFIDF_MODEL_DIR;
  const swapped = runCli(home, [
    "train",
    "ensemble",
    "--per-dimension",
    ...["--member", tfidf, "--member", novelty, "--member", tfidf],
    "--out",
    join(home, "rm-3"),
  ]);
  assert.notEqual(swapped.status, 0);
  assert.match(swapped.stderr, /rm-novelty was not trained on feasibility/);
});

test("train ensemble --per-dimension names its ensemble apart from a two-member mix (score caches key on the name)", (t) => {
  const home = tempDir(t);
  const dataset = join(home, "dataset");
  mkdirSync(dataset);
  for (const dimension of DIMENSIONS) {
    const rows = Array.from({ length: 24 }, (_, i) =>
      JSON.stringify({
        id: `${dimension}${i}`,
        paperId: `p${i}`,
        venue: "A",
        year: 2024,
        dimension,
        label: (i % 7) / 7,
        reviewers: 3,
        fields: [],
        text: `Title: Study ${i}\nMethod: A method with ${i % 5} parts for graph learning.`,
        textSource: "abstract",
      }),
    );
    writeFileSync(join(dataset, `rm.${dimension}.val.jsonl`), `${rows.join("\n")}\n`);
  }
  const out = join(home, "rm-3");
  const tfidf = SHIPPED_TFIDF_MODEL_DIR;
  const r = runCli(home, [
    "train",
    "ensemble",
    "--per-dimension",
    ...["--member", tfidf, "--member", tfidf, "--member", tfidf],
    ...["--dataset", dataset, "--out", out],
  ]);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(JSON.parse(readFileSync(join(out, "model.json"), "utf8")).name, "reward-per-dimension");
});
