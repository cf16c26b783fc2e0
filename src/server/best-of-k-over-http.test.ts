import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { test } from "node:test";
import { LlmConfig } from "../config/index.js";
import { DIMENSIONS, type Dimension, type Scores } from "../idea/index.js";
import { generateIdeas, type IdeaEvent } from "../ideas/index.js";
import { openLlama, openOpenAi, SHIPPED_POLICY_PATH } from "../llm/index.js";
import { createScoreCache, loadRewardModel, SHIPPED_TRANSFORMER_RM_DIR, scoreIdeas } from "../reward/index.js";
import { SAMPLE_PAPER, startTestServer } from "../testing/index.js";

const SKIP = existsSync(SHIPPED_POLICY_PATH) ? false : `no shipped policy at ${SHIPPED_POLICY_PATH}`;
const PAPERS = [
  SAMPLE_PAPER,
  {
    title: "Sparse Mixture-of-Experts Language Models at Small Scale",
    abstract:
      "We train mixture-of-experts transformers with up to 64 experts on a single GPU and study routing collapse, load balancing losses and expert specialisation, finding that a simple auxiliary loss matches more complex routers.",
  },
];

/*
 * Best-of-K on the openai backend against `ideasteer serve`: a real server on 127.0.0.1 runs the shipped policy;
 * the client sends the policy prompt as text to /v1/completions and keeps, per sentence, the candidate the reward
 * model scores best under the weights. Weight on dimension k must raise dimension k's score over K = 1 (plain
 * sampling through the same loop).
 */
test("best-of-K per sentence through an OpenAI-compatible server moves each dimension's score the way its weight asks", {
  skip: SKIP,
}, async (t) => {
  const policy = await openLlama({ modelPath: SHIPPED_POLICY_PATH, contextSize: 1024, threads: 1 });
  t.after(() => policy.close());
  const server = await startTestServer(t, { backend: policy, modelId: "policy" });
  const client = await openOpenAi({
    llm: LlmConfig.parse({
      backend: "openai",
      baseUrl: `${server.url}/v1`,
      model: "policy",
      cache: "off",
      concurrency: 1,
    }),
  });
  t.after(() => client.close());
  const rm = loadRewardModel(SHIPPED_TRANSFORMER_RM_DIR);
  const cache = createScoreCache();
  const score = (texts: string[]) => scoreIdeas(texts, { model: rm, cache });

  const ideas = async (k: number, weights: Scores) => {
    const out: Extract<IdeaEvent, { type: "idea" }>[] = [];
    const streamed: Extract<IdeaEvent, { type: "sentence" }>[] = [];
    for (const [i, paper] of PAPERS.entries())
      for await (const e of generateIdeas(paper, {
        backend: client,
        promptMode: "policy",
        n: 1,
        seed: 10 + i,
        temperature: 0.9,
        topP: 0.95,
        maxTokens: 320,
        maxPromptTokens: 480,
        maxAttempts: 4,
        rewardModel: rm,
        scoreCache: cache,
        bestOfK: { k, weights, score },
        sentences: true,
      })) {
        if (e.type === "sentence") streamed.push(e);
        if (e.type === "idea") {
          // The sentence events carry the kept sentences only, never a discarded candidate.
          for (const x of streamed.splice(0))
            if (x.attempt === e.attempts - 1)
              assert.ok(e.text.includes(x.text.trim()), `${JSON.stringify(x.text)} IN ${JSON.stringify(e.text)}`);
          out.push(e);
        }
      }
    return out;
  };
  const mean = (xs: Extract<IdeaEvent, { type: "idea" }>[], d: Dimension) =>
    xs.reduce((a, e) => a + (e.scores?.[d] ?? 0), 0) / xs.length;

  const plain = await ideas(1, { novelty: 1 / 3, feasibility: 1 / 3, effectiveness: 1 / 3 });
  assert.equal(plain[0]?.compute?.scoredTexts, 0, "K = 1 scores nothing");
  for (const d of DIMENSIONS) {
    const w = { novelty: 0, feasibility: 0, effectiveness: 0, [d]: 1 } as Scores;
    const steered = await ideas(4, w);
    // An idea whose best-of-4 attempts all left the layout is written with K = 1 (`uncontrolled`): not a K = 4 cost.
    const [cost] = steered.filter((e) => !e.uncontrolled).map((e) => e.compute);
    // K calls per round (a round drawn again costs K more); the candidates that keep the layout writable are scored.
    assert.ok(
      cost && cost.calls % 4 === 0 && cost.calls >= 4 * cost.sentences && cost.scoredTexts <= cost.calls,
      JSON.stringify(cost),
    );
    assert.ok(cost.scoredTexts >= 2 * cost.sentences, `most candidates are scored: ${JSON.stringify(cost)}`);
    t.diagnostic(
      `${d}: best-of-4 ${mean(steered, d).toFixed(3)} vs K=1 ${mean(plain, d).toFixed(3)}; ${JSON.stringify(cost)}`,
    );
    assert.ok(mean(steered, d) > mean(plain, d), `${d}: ${mean(steered, d)} vs ${mean(plain, d)}`);
  }
});
