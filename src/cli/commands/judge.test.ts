import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { JudgeConfig } from "../../config/index.js";
import { DIMENSIONS } from "../../idea/index.js";
import {
  DEFAULT_JUDGE_OPTIONS,
  DEFAULT_RETRIEVAL_NOVELTY_OPTIONS,
  type Judgement,
  type RetrievalNovelty,
} from "../../judge/index.js";
import {
  openSampleLibrary,
  requireSharedData,
  tempDir,
  tinyLlamaConfig,
  writeRandomLlamaModel,
} from "../../testing/index.js";

test("the judge config's defaults are the judge's own defaults", () => {
  const c = JudgeConfig.parse({});
  for (const k of Object.keys(DEFAULT_JUDGE_OPTIONS) as (keyof typeof DEFAULT_JUDGE_OPTIONS)[]) {
    if (k in c) assert.equal(c[k as keyof typeof c], DEFAULT_JUDGE_OPTIONS[k], k);
  }
  assert.equal(c.noveltyTopK, DEFAULT_RETRIEVAL_NOVELTY_OPTIONS.topK);
  assert.equal(c.noveltyMethod, DEFAULT_RETRIEVAL_NOVELTY_OPTIONS.method);
});

const MAIN = fileURLToPath(new URL("../main.ts", import.meta.url));

const run = (home: string, args: string[]) =>
  spawnSync(process.execPath, ["--import", "tsx", MAIN, "--home", home, "--log-level", "error", ...args], {
    encoding: "utf8",
    env: { ...process.env, NODE_NO_WARNINGS: "1" },
  });

test("ideasteer judge: a real library, an idea file, a GGUF judge; --no-llm; an unknown paper", async (t) => {
  if (!requireSharedData(t)) return;
  const home = tempDir(t);
  const store = await openSampleLibrary(home, { every: 40 }); // <home>/library.sqlite, the default library
  const hit = store.search("reinforcement learning from human feedback", { limit: 1 })[0];
  const paper = store.get(hit?.id ?? "");
  store.close();
  assert.ok(paper);
  const ideaFile = join(home, "idea.txt");
  writeFileSync(
    ideaFile,
    [
      `Title: Cheaper preference data for ${paper.title}`,
      `Method: ${paper.abstract.slice(0, 200).replace(/\s+/g, " ")}`,
      "Experiment Plan:",
      "- Dataset Preparation: public preference datasets.",
      "- Baseline Implementation: the original method.",
      "- Evaluation Procedure: win rate against the baseline.",
      "",
    ].join("\n"),
  );

  const only = run(home, ["judge", ideaFile, "--no-llm", "--json", "--paper", paper.id]);
  assert.equal(only.status, 0, only.stderr);
  const a = JSON.parse(only.stdout) as { judgement: null; retrievalNovelty: RetrievalNovelty };
  assert.equal(a.judgement, null);
  assert.equal(a.retrievalNovelty.evidence, "retrieved");
  assert.ok(!a.retrievalNovelty.nearest.some((p) => p.id === paper.id), "the source paper is left out");

  const model = join(home, "judge.gguf");
  writeRandomLlamaModel(model, {
    config: tinyLlamaConfig({ contextLength: 8192 }),
    seed: 11,
  });
  const configFile = join(home, "judge-config.json");
  writeFileSync(
    configFile,
    // A random-weights judge writes no plausible rationale: the sanity checks would call every answer unusable.
    JSON.stringify({
      llm: { contextSize: 8192 },
      judge: { rationaleMaxChars: 40, maxAbstractChars: 150, sanityChecks: false },
    }),
  );
  const judged = run(home, [
    "--config",
    configFile,
    "judge",
    ideaFile,
    "--paper",
    paper.id,
    "--backend",
    "llama",
    "--model-path",
    model,
    "--top-k",
    "2",
    "--reference-k",
    "0",
    "--max-tokens",
    "600",
    "--json",
  ]);
  assert.equal(judged.status, 0, judged.stderr);
  const b = JSON.parse(judged.stdout) as { judgement: Judgement; retrievalNovelty: RetrievalNovelty };
  assert.equal(b.judgement.source?.id, paper.id);
  assert.equal(b.judgement.related.length, 2);
  assert.equal(b.judgement.samples[0]?.mode, "grammar");
  assert.match(b.judgement.idea, /^Title: Cheaper preference data/);
  for (const d of DIMENSIONS) assert.ok(b.judgement.scores[d] >= 0 && b.judgement.scores[d] <= 1);

  const missing = run(home, ["judge", "--text", "some idea", "--no-llm", "--paper", "nowhere/1"]);
  assert.equal(missing.status, 1);
  assert.match(missing.stderr, /paper not found: nowhere\/1/);
});
