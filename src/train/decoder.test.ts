import assert from "node:assert/strict";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { silentLogger } from "../core/index.js";
import { decoderFeatures, loadDecoder, prefixScoresOf } from "../steer/index.js";
import {
  resumeVersusWhole,
  SAMPLE_IDEA_TEXT,
  SAMPLE_PAPER,
  tempDir,
  writeTinyControllers,
  writeTinyPolicy,
} from "../testing/index.js";
import {
  decisionAdvantages,
  decoderReward,
  decoderStage,
  readMetrics,
  resolveDecoderConfig,
  trainDecoder,
} from "./index.js";

/** A tiny policy with mild controllers beside it (what train rl writes), and a dataset of the paper it knows. */
async function fixture(t: import("node:test").TestContext) {
  const dir = tempDir(t);
  const policy = join(dir, "policy");
  await writeTinyPolicy(policy, { ...SAMPLE_PAPER, idea: SAMPLE_IDEA_TEXT });
  writeTinyControllers(policy, { scale: 0.3 }); // mild: the memorised idea keeps its sentences under them
  const dataset = join(dir, "dataset");
  mkdirSync(dataset);
  const prompt = `<|paper|>Title: ${SAMPLE_PAPER.title}\nAbstract: ${SAMPLE_PAPER.abstract}<|idea|>`;
  for (const split of ["train", "val"])
    writeFileSync(
      join(dataset, `sft.${split}.jsonl`),
      ["a", "b"]
        .map((id) =>
          JSON.stringify({ id: `x/${id}`, supportingId: `${split}/${id}`, prompt, target: SAMPLE_IDEA_TEXT }),
        )
        .join("\n"),
    );
  const config = resolveDecoderConfig({
    policy,
    dataset,
    rewardModel: join(process.cwd(), "models", "reward-tfidf"),
    prompts: 1,
    groupSize: 2,
    maxNewTokens: 48,
    requireLayout: false, // 48 tokens cut the memorised idea short: under the rule every reward would be 0
    maxSteps: 4,
    warmupSteps: 0,
    evalEvery: 2,
    checkpointEvery: 2,
    evalPapers: 1,
    seed: 3,
  });
  return { dir, policy, config };
}

test("train decoder: episodes under dynamic control, REINFORCE, decoder vs static on held-out papers, decoder.json exported", async (t) => {
  const { dir, policy, config } = await fixture(t);
  const r = await trainDecoder({ config, home: dir, command: "test", log: silentLogger });
  const rows = readMetrics(join(r.runDir, "metrics.jsonl"));
  const steps = rows.filter((x) => x["loss/train"] !== undefined);
  assert.equal(steps.length, 4);
  for (const s of steps) {
    assert.ok(Number.isFinite(s["decoder/reward"]));
    assert.ok((s["decoder/sentences"] as number) >= 2, "several decisions per idea: one per sentence");
  }
  const evals = rows.filter((x) => x["decoder/val_reward"] !== undefined);
  assert.ok(evals.length >= 2 && evals.every((e) => Number.isFinite(e["static/val_reward"])));
  assert.equal(r.out, join(policy, "controllers", "decoder.json"));
  assert.ok(existsSync(r.out));
  assert.equal(loadDecoder(r.out).epsMax, 1);
  // It names the reward model whose scores were its inputs, for generation to feed the same.
  assert.equal(loadDecoder(r.out).rewardModel, join(process.cwd(), "models", "reward-tfidf"));
});

test("train decoder resumes from its checkpoint: the same episodes, the same decoder", async (t) => {
  const { dir, config: idea } = await fixture(t);
  const config = { ...idea, credit: "sentence" as const, creditLambda: 0.9 }; // the path with per-decision credit
  const r = await resumeVersusWhole(() => decoderStage({ home: dir }), { config, root: join(dir, "runs"), stopAt: 2 });
  assert.deepEqual(r.steps, [0, 1, 2, 3]);
  for (const [name, w] of r.whole) assert.deepEqual(r.resumed.get(name)?.data, w.data, name);
});

test("the centred objective pays for lowering a dimension weighted below the mean; w · r never does", () => {
  const w = { novelty: 0, feasibility: 1, effectiveness: 0 };
  const coupled = { novelty: 0.8, feasibility: 0.8, effectiveness: 0.8 }; // every score up together
  const apart = { novelty: 0.3, feasibility: 0.7, effectiveness: 0.3 }; // feasibility alone up
  assert.ok(decoderReward(coupled, w, "weighted") > decoderReward(apart, w, "weighted"), "w · r prefers all up");
  assert.ok(decoderReward(apart, w, "centred") > decoderReward(coupled, w, "centred"), "centred prefers F alone up");
  const equal = { novelty: 1 / 3, feasibility: 1 / 3, effectiveness: 1 / 3 };
  assert.equal(decoderReward(coupled, equal, "centred"), 0, "equal weights ask nothing of the scores");
});

test("sentence credit: each decision is credited with what came after it, not the whole idea's luck", () => {
  // Three decisions; the prefix values they read (values[0], the empty prefix, stands in as the group mean).
  const o = { values: [0.5, 0.2, 0.6], reward: 0.4, groupMean: 0.5 };
  const idea = decisionAdvantages("idea", { ...o, lambda: 1 }).map((x) => Number(x.toFixed(6)));
  assert.deepEqual(idea, [-0.1, -0.1, -0.1], "idea credit: R − mean_group R for every decision");
  const whole = decisionAdvantages("sentence", { ...o, lambda: 1 }).map((x) => Number(x.toFixed(6)));
  assert.deepEqual(whole, [-0.1, 0.2, -0.2], "λ = 1: R − V(prefix read), the first against the group mean");
  const one = decisionAdvantages("sentence", { ...o, lambda: 0 }).map((x) => Number(x.toFixed(6)));
  // The second sentence raised the score from 0.2 to 0.6: credited +0.4 though the idea ended below the mean.
  assert.deepEqual(one, [-0.3, 0.4, -0.2], "λ = 0: each sentence's own score change");
  const half = decisionAdvantages("sentence", { ...o, lambda: 0.5 }).map((x) => Number(x.toFixed(6)));
  assert.deepEqual(
    half,
    [-0.3 + 0.5 * (0.4 + 0.5 * -0.2), 0.4 + 0.5 * -0.2, -0.2].map((x) => Number(x.toFixed(6))),
  );
});

test("prefixScoresOf reads back the scores decoderFeatures wrote", () => {
  const s = { novelty: 0.1, feasibility: 0.7, effectiveness: 0.4 };
  const back = prefixScoresOf(decoderFeatures({ novelty: 1, feasibility: 0, effectiveness: 0 }, "method", s));
  for (const d of ["novelty", "feasibility", "effectiveness"] as const) assert.ok(Math.abs(back[d] - s[d]) < 1e-6, d);
});
