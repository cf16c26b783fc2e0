import assert from "node:assert/strict";
import { test } from "node:test";
import { DIMENSIONS, type Scores } from "../idea/index.js";
import { loadRewardModel, scoreIdeas } from "../reward/index.js";
import { SAMPLE_IDEA_TEXT, SAMPLE_PAPER, startTestServer } from "../testing/index.js";
import { MAX_REWARD_TEXTS, responseOf } from "./index.js";

const model = loadRewardModel();

const rewardServer = (t: import("node:test").TestContext, token?: string) =>
  startTestServer(t, { token, rewards: { model }, maxBodyBytes: 256 * 1024 });

// The exact request OpenRLHF's remote_rm_fn_ray sends: requests.post(url, json={query, prompts, labels}).
const post = (url: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });

const OTHER_IDEA = SAMPLE_IDEA_TEXT.replace(/Title: [^\n]*/, "Title: Cheap heuristics for scheduling compute");

test("POST /reward/openrlhf answers OpenRLHF's request: prompt stripped, weights from labels, w · r as rewards", async (t) => {
  const server = await rewardServer(t);
  const prompt = `<s>Paper: ${SAMPLE_PAPER.title}\n${SAMPLE_PAPER.abstract}\nIdea:\n`;
  const responses = [SAMPLE_IDEA_TEXT, OTHER_IDEA, SAMPLE_IDEA_TEXT];
  const labels = ['{"novelty": 1, "feasibility": 0, "effectiveness": 0}', "0,1,0", [0, 0, 2]];
  const res = await post(`${server.url}/reward/openrlhf`, {
    query: responses.map((r) => `${prompt}${r}</s>`),
    prompts: responses.map(() => prompt),
    labels,
  });
  assert.equal(res.status, 200);
  const body = (await res.json()) as { rewards: number[]; scores: number[]; extra_logs: Record<string, number[]> };
  const direct = await scoreIdeas(responses, { model });
  // Each label puts all weight on one dimension: the reward is that dimension's score of the response alone.
  assert.deepEqual(body.rewards, [
    (direct[0] as Scores).novelty,
    (direct[1] as Scores).feasibility,
    (direct[2] as Scores).effectiveness,
  ]);
  assert.deepEqual(body.scores, body.rewards);
  for (const d of DIMENSIONS)
    assert.deepEqual(
      body.extra_logs[d],
      direct.map((s) => s[d]),
    );
  // The prompt (the paper) is not scored: the whole query would score differently.
  const whole = await scoreIdeas([`${prompt}${SAMPLE_IDEA_TEXT}`], { model });
  assert.notEqual((whole[0] as Scores).novelty, body.rewards[0]);

  // No labels: equal weights; no prompts: the query is the response.
  const plain = (await (await post(`${server.url}/reward/openrlhf`, { query: [SAMPLE_IDEA_TEXT] })).json()) as {
    rewards: number[];
  };
  const s = direct[0] as Scores;
  assert.ok(Math.abs((plain.rewards[0] as number) - (s.novelty + s.feasibility + s.effectiveness) / 3) < 1e-12);

  // An empty response earns 0, not a score of "".
  const empty = (await (
    await post(`${server.url}/reward/openrlhf`, { query: [`${prompt}</s>`], prompts: [prompt] })
  ).json()) as { rewards: number[] };
  assert.deepEqual(empty.rewards, [0]);
});

test("POST /api/rewards returns per-dimension scores and w · r for the request's weights", async (t) => {
  const server = await rewardServer(t);
  const ideas = [SAMPLE_IDEA_TEXT, OTHER_IDEA];
  const res = await post(`${server.url}/api/rewards`, {
    ideas,
    weights: { novelty: 3, feasibility: 1, effectiveness: 0 },
  });
  assert.equal(res.status, 200);
  const body = (await res.json()) as { weights: Scores; results: (Scores & { reward: number })[] };
  assert.deepEqual(body.weights, { novelty: 0.75, feasibility: 0.25, effectiveness: 0 });
  const direct = await scoreIdeas(ideas, { model });
  body.results.forEach((r, i) => {
    const s = direct[i] as Scores;
    assert.deepEqual({ novelty: r.novelty, feasibility: r.feasibility, effectiveness: r.effectiveness }, s);
    assert.ok(Math.abs(r.reward - (0.75 * s.novelty + 0.25 * s.feasibility)) < 1e-12);
  });
});

test("reward routes refuse malformed and oversized requests with JSON errors, and a token when one is set", async (t) => {
  const server = await rewardServer(t);
  const url = `${server.url}/reward/openrlhf`;
  const bad: [unknown, number, RegExp][] = [
    [{}, 400, /query/],
    [{ query: "one text" }, 400, /query/],
    [{ query: [1, 2] }, 400, /query/],
    [{ query: [] }, 400, /query/],
    [{ query: ["a", "b"], prompts: ["a"] }, 400, /prompts/],
    [{ query: ["a"], labels: ["a", "b"] }, 400, /labels/],
    [{ query: ["a"], labels: ["not weights"] }, 400, /labels\.0/],
    [{ query: ["a"], labels: [[1, -1, 0]] }, 400, /labels\.0/],
    [{ query: ["a"], labels: ["0,0,0"] }, 400, /labels\.0/],
    ["{not json", 400, /./],
    [{ query: Array.from({ length: MAX_REWARD_TEXTS + 1 }, () => "x") }, 400, /query/],
    [{ query: ["x".repeat(300 * 1024)] }, 413, /./],
  ];
  for (const [body, status, message] of bad) {
    const res = await post(url, body);
    assert.equal(res.status, status, JSON.stringify(body).slice(0, 80));
    const err = (await res.json()) as { error: { message: string } };
    assert.match(err.error.message, message);
  }
  const api = await post(`${server.url}/api/rewards`, { ideas: [SAMPLE_IDEA_TEXT], weights: { novelty: 0 } });
  assert.equal(api.status, 400);
  // The server still answers after all of that.
  assert.equal((await post(url, { query: [SAMPLE_IDEA_TEXT] })).status, 200);

  const guarded = await rewardServer(t, "s3cret");
  assert.equal((await post(`${guarded.url}/reward/openrlhf`, { query: [SAMPLE_IDEA_TEXT] })).status, 401);
  const ok = await post(
    `${guarded.url}/reward/openrlhf`,
    { query: [SAMPLE_IDEA_TEXT] },
    { authorization: "Bearer s3cret" },
  );
  assert.equal(ok.status, 200);
});

test("responseOf: the text after the prompt, without end-of-text or padding tokens", () => {
  assert.equal(responseOf("<s>P: x\nIdea: Title: y</s><pad>", "P: x\nIdea: "), "Title: y");
  assert.equal(responseOf("Title: y<|im_end|>\n", undefined), "Title: y");
  assert.equal(responseOf("Title: y", "a prompt that is not there"), "Title: y");
});
