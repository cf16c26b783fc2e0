import assert from "node:assert/strict";
import { cpSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
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
