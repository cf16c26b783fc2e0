import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { DIMENSIONS } from "../../idea/index.js";
import { tempDir } from "../../testing/index.js";

const MAIN = fileURLToPath(new URL("../main.ts", import.meta.url));
const run = (home: string, args: string[], input?: string) =>
  spawnSync(process.execPath, ["--import", "tsx", MAIN, "--home", home, "--log-level", "error", ...args], {
    encoding: "utf8",
    input,
    env: { ...process.env, NODE_NO_WARNINGS: "1" },
  });

const IDEA = [
  "Title: Sparse mixture-of-experts adapters for low-resource translation",
  "Method: Route each token to two of eight LoRA experts trained jointly with a load-balancing loss.",
  "Experiment Plan:",
  "- Dataset Preparation: FLORES-200 low-resource pairs.",
  "- Baseline Implementation: a single LoRA adapter of the same parameter count.",
  "- Evaluation Procedure: chrF++ and BLEU on the devtest split.",
].join("\n");

test("ideasteer score --json: empty home, shipped models, ids in order, bad lines reported as file:line, the rest scored", (t) => {
  const home = tempDir(t); // empty: nothing but the repository's models/
  const file = join(home, "in.jsonl");
  const lines = [
    JSON.stringify({
      id: "p1",
      title: "Scaling laws for sparse attention",
      abstract:
        "We study how sparse attention scales with model size and data. Experiments on language modelling show predictable gains.",
    }),
    "{not json",
    JSON.stringify({ id: 7, idea: IDEA }),
    JSON.stringify({ id: "long", idea: "x".repeat(70_000) }), // over the 64 KiB line cap
    JSON.stringify({ id: "no-text" }),
    "",
    JSON.stringify({ id: "p3", idea: "Title: A partial idea\nMethod: We prune attention heads." }),
  ];
  writeFileSync(file, `${lines.join("\n")}\n`);
  const r = run(home, ["score", file, "--json"]);
  assert.equal(r.status, 1, `bad lines make the exit status 1\n${r.stderr}`);
  const out = r.stdout
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l));
  assert.deepEqual(
    out.map((o) => o.id),
    ["p1", 7, "p3"],
  );
  for (const o of out) {
    assert.deepEqual(Object.keys(o), ["id", ...DIMENSIONS]);
    for (const d of DIMENSIONS) assert.ok(o[d] >= 0 && o[d] <= 1, `${o.id} ${d} ${o[d]}`);
  }
  assert.match(r.stderr, new RegExp(`${file}:line 2: not JSON`));
  assert.match(r.stderr, new RegExp(`${file}:line 4: line of \\d+ bytes is over the limit of 65536`));
  assert.match(r.stderr, new RegExp(`${file}:line 5: expected`));

  // stdin, a readable table, and a plain idea text file
  const table = run(home, ["score", "-"], `${lines[0]}\n`);
  assert.equal(table.status, 0, table.stderr);
  assert.match(table.stdout, /^id\s+novelty\s+feasibility\s+effectiveness\np1\s+0\.\d{3}\s/);
  const ideaFile = join(home, "idea.txt");
  writeFileSync(ideaFile, `${IDEA}\n`);
  const plain = run(home, ["score", ideaFile, "--json"]);
  assert.equal(plain.status, 0, plain.stderr);
  assert.equal(JSON.parse(plain.stdout).id, "idea.txt");
  // the same idea scores the same whichever way it comes in
  const viaJsonl = out.find((o) => o.id === 7);
  assert.equal(JSON.parse(plain.stdout).novelty, viaJsonl.novelty);
});
