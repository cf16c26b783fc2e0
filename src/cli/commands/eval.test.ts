import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { tempDir } from "../../testing/index.js";
import { distinctLabels } from "./eval.js";

const MAIN = fileURLToPath(new URL("../main.ts", import.meta.url));

test("ideasteer eval rm without datasets says what to run first", (t) => {
  const home = tempDir(t);
  const r = spawnSync(process.execPath, ["--import", "tsx", MAIN, "--home", home, "eval", "rm", "--data-dir", home], {
    encoding: "utf8",
    env: { ...process.env, NODE_NO_WARNINGS: "1" },
  });
  assert.notEqual(r.status, 0);
  assert.match(r.stderr, /reviews\.jsonl\.gz not found/);
  const r2 = spawnSync(process.execPath, ["--import", "tsx", MAIN, "--home", home, "eval", "rm", "--alphas", "1,-2"], {
    encoding: "utf8",
    env: { ...process.env, NODE_NO_WARNINGS: "1" },
  });
  assert.notEqual(r2.status, 0);
  assert.match(r2.stderr, /bad TF-IDF option: alphas\.1/);
});

test("eval rm names two models of one name by their folders, and leaves distinct names alone", () => {
  assert.deepEqual(
    distinctLabels(
      ["transformer-rm", "tfidf-multitask", "transformer-rm"],
      ["/x/rm-pw/model", "models/reward-tfidf-multitask", "models/reward/transformer"],
    ),
    ["transformer-rm (/x/rm-pw/model)", "tfidf-multitask", "transformer-rm (models/reward/transformer)"],
  );
  // A model named like the baseline row (the shipped plain ridge beside a run that trains one) is named by folder.
  assert.deepEqual(distinctLabels(["tfidf-ridge", "transformer-rm"], ["models/reward-tfidf", "m"], ["tfidf-ridge"]), [
    "tfidf-ridge (models/reward-tfidf)",
    "transformer-rm",
  ]);
});
