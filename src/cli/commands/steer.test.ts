import assert from "node:assert/strict";
import { join } from "node:path";
import { test } from "node:test";
import { silentLogger } from "../../core/index.js";
import { buildDatasets } from "../../datasets/index.js";
import { DIMENSIONS, type Dimension } from "../../idea/index.js";
import { policyPrompt } from "../../ideas/index.js";
import { isLocalModel, openLlama, SHIPPED_POLICY_PATH } from "../../llm/index.js";
import { loadRewardModel, SHIPPED_TRANSFORMER_RM_DIR, scoreIdeas } from "../../reward/index.js";
import { combineControllers, loadControllerSet } from "../../steer/index.js";
import { requireSharedData, runCli, SHARED_DATA, tempDir } from "../../testing/index.js";
import { readSftRows } from "../../train/index.js";

const PAPERS = 8; // held-out papers per steering direction
const EPS = 0.1; // a tenth of a typical hidden state: strong enough to move the scores, mild enough for the layout

test("steer extract on real data: each contrast controller moves the reward model's score of its dimension the way it is pushed, through llama.cpp", async (t) => {
  if (!requireSharedData(t)) return;
  const home = tempDir(t);
  const { outDir } = await buildDatasets({
    dataDir: SHARED_DATA,
    home,
    seed: 5,
    limit: 0,
    extractor: "offline",
    supportPicker: "top1",
    topK: 10,
    ratios: { train: 0.8, val: 0.1, test: 0.1 },
    confidenceWeighted: false,
    llmRetries: 0,
    log: silentLogger,
  });
  const out = join(home, "controllers");
  const args = ["--backend", "llama", "--model-path", SHIPPED_POLICY_PATH, "--threads", "1"];
  const r = runCli(home, [
    "steer",
    "extract",
    "--dataset",
    outDir,
    "--per-side",
    "64",
    "--pool",
    "1000",
    "--rm",
    SHIPPED_TRANSFORMER_RM_DIR,
    ...args,
    "--out",
    out,
  ]);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /novelty\.gguf/);
  // Partial controllers: one regression over the pooled extremes gives all three, each a control-vector file.
  const partialOut = join(home, "controllers-partial");
  const p = runCli(home, [
    ...["steer", "extract", "--dataset", outDir, "--per-side", "8", "--pool", "200", "--contrast", "partial"],
    ...["--rm", SHIPPED_TRANSFORMER_RM_DIR, ...args, "--out", partialOut, "--no-progress"],
  ]);
  assert.equal(p.status, 0, p.stderr);
  const partial = loadControllerSet(partialOut);
  for (const d of DIMENSIONS) assert.ok((partial.vectors[d][1]?.length ?? 0) > 0, d);
  assert.notDeepEqual(partial.vectors.novelty[1], partial.vectors.feasibility[1]);

  // Generate on held-out papers with +eps and -eps along each controller alone; the reward model (never told
  // which way we pushed) must score dimension k higher under +eps than under -eps.
  const papers = readSftRows(join(outDir, "sft.test.jsonl"))
    .slice(0, PAPERS)
    .map((row) => {
      const m = /Title: (.*)\nAbstract: ([\s\S]*)$/.exec(row.prompt.replace(/<\|\w+\|>/g, ""));
      return { title: m?.[1] ?? "", abstract: m?.[2] ?? "" };
    });
  const set = loadControllerSet(out);
  const rm = loadRewardModel(SHIPPED_TRANSFORMER_RM_DIR);
  const backend = await openLlama({ modelPath: SHIPPED_POLICY_PATH, contextSize: 1024, threads: 1 });
  t.after(() => backend.close());
  assert.ok(isLocalModel(backend));
  // Raw generations, scored whatever their layout: a steered idea that misses a field is still moved text, and
  // dropping it would select which ideas count.
  const meanScore = async (k: number, sign: number) => {
    backend.setControlVector(
      combineControllers(
        set,
        DIMENSIONS.map((_, j) => (j === k ? sign * EPS : 0)),
      ),
      1,
    );
    const texts: string[] = [];
    for (const [i, paper] of papers.entries()) {
      const prompt = await policyPrompt(backend, paper, 480);
      const g = await backend.generate(prompt.tokens, {
        maxTokens: 300,
        temperature: 0.8,
        topP: 0.95,
        seed: 100 + i,
        stopTokens: [prompt.endToken],
      });
      texts.push(g.text);
    }
    backend.clearControlVector();
    const scores = await scoreIdeas(texts, { model: rm });
    return scores.reduce((a, x) => a + x[DIMENSIONS[k] as Dimension], 0) / scores.length;
  };
  for (const [k, d] of DIMENSIONS.entries()) {
    const [up, down] = [await meanScore(k, 1), await meanScore(k, -1)];
    t.diagnostic(`${d}: +eps ${up.toFixed(3)} vs -eps ${down.toFixed(3)}`);
    assert.ok(up > down, `${d}: +eps ${up.toFixed(3)} vs -eps ${down.toFixed(3)}`);
  }
});
