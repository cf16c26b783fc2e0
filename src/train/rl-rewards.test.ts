import assert from "node:assert/strict";
import { test } from "node:test";
import { renderIdea } from "../idea/index.js";
import { loadRewardModel, SHIPPED_TFIDF_MODEL_DIR, scoreIdeas } from "../reward/index.js";
import { rewardTexts } from "./index.js";

const idea = {
  title: "Sparse retrieval priors for one-run privacy auditing",
  method:
    "We insert canaries chosen by a retrieval model into the training set and audit DP-SGD in a single run. The retrieval prior concentrates the canaries where the model memorises most.",
  experimentPlan: {
    datasets: "CIFAR-10 and Purchase-100 with 1,000 canaries each, split in halves for insertion and holdout.",
    baselines: "Random canaries (Steinke et al.), gradient canaries, and the standard multi-run audit.",
    evaluation: "Empirical epsilon lower bounds at fixed theoretical epsilon, and the number of training runs needed.",
  },
};

test("RL rewards only whole ideas: a cut-off idea earns 0 under requireLayout, its score without it", async () => {
  const reward = await loadRewardModel(SHIPPED_TFIDF_MODEL_DIR);
  const whole = renderIdea(idea);
  const cut = whole.slice(0, whole.indexOf("- Evaluation")); // what maxNewTokens leaves of a long idea
  const markdown = whole.replace("Title:", "## Title\n").replace("Method:", "**Method:**");
  const degenerate = "the the the the the the the the the the the the";
  const rule = { minDistinct2: 0.3, requireLayout: true, reward };
  const [w, c, m, d] = await rewardTexts([whole, cut, markdown, degenerate], rule);
  const [expected] = await scoreIdeas([whole], { model: reward });
  assert.deepEqual(w?.rewards, expected, "a whole idea is scored as generate renders it");
  assert.equal(w?.outOfLayout, false);
  assert.deepEqual(m?.rewards, expected, "a repairable idea is scored as its repair");
  assert.equal(c?.outOfLayout, true);
  assert.deepEqual(c?.rewards, { novelty: 0, feasibility: 0, effectiveness: 0 }, "a cut-off idea earns nothing");
  assert.equal(d?.degenerate, true);
  assert.deepEqual(d?.rewards, { novelty: 0, feasibility: 0, effectiveness: 0 });

  const [loose] = await rewardTexts([cut], { ...rule, requireLayout: false });
  assert.equal(loose?.outOfLayout, false);
  assert.ok((loose?.rewards.effectiveness ?? 0) > 0, "without the rule the reward models score the cut-off text");
});
