import assert from "node:assert/strict";
import { join } from "node:path";
import { test } from "node:test";
import { silentLogger } from "../core/index.js";
import { splitSentences } from "../datasets/index.js";
import { parseIdea } from "../idea/index.js";
import { type GenerateIdeasOptions, generateIdeas } from "../ideas/index.js";
import { type LlmBackend, openLlama } from "../llm/index.js";
import { loadRewardModel } from "../reward/index.js";
import { SAMPLE_IDEA_TEXT, SAMPLE_PAPER, scriptedBackend, tempDir, writeTinyPolicy } from "../testing/index.js";
import { type IdeasApiDeps, startServer } from "./index.js";

const post = (url: string, body: unknown, accept = "application/json") =>
  fetch(`${url}/api/ideas`, {
    method: "POST",
    headers: { "content-type": "application/json", accept },
    body: JSON.stringify(body),
  });

test("POST /api/ideas answers JSON or streams SSE with generate's records; bad bodies and unknown papers get JSON errors", async (t) => {
  const dir = tempDir(t);
  const modelPath = await writeTinyPolicy(join(dir, "policy"), { ...SAMPLE_PAPER, idea: SAMPLE_IDEA_TEXT });
  const backend = await openLlama({ modelPath, contextSize: 256 });
  t.after(() => backend.close());
  const rewardModel = loadRewardModel();
  const ideas: IdeasApiDeps = {
    ...depsOver(backend, { maxTokens: 200, maxAttempts: 2, rewardModel }),
    findPaper: (id) => (id === "p1" ? { id, ...SAMPLE_PAPER } : null),
    meta: { backend: backend.name, models: { policy: "sha256:test" } },
  };
  const server = await startServer({ backend, modelId: "m", ideas, log: silentLogger, host: "127.0.0.1", port: 0 });
  t.after(() => server.close());

  const res = await post(server.url, {
    paper: { id: "p1" },
    n: 2,
    seed: 3,
    weights: { novelty: 2, feasibility: 1, effectiveness: 1 },
  });
  assert.equal(res.status, 200);
  const body = (await res.json()) as {
    ideas: { text: string; weights: Record<string, number>; seed: number }[];
    done: { type: string; ranking: { order: number[]; dropped: { index: number; duplicateOf: number }[] } };
  };
  assert.equal(body.ideas.length, 2);
  // This tiny policy writes the same idea twice: the ranking keeps the first and sets the other aside.
  const { order, dropped } = body.done.ranking;
  assert.equal(order.length, 1);
  assert.deepEqual(
    dropped.map((d) => [d.index, d.duplicateOf]),
    [[1 - (order[0] as number), order[0]]],
  );
  for (const i of body.ideas) {
    assert.deepEqual(parseIdea(i.text), parseIdea(SAMPLE_IDEA_TEXT));
    assert.deepEqual(i.weights, { novelty: 0.5, feasibility: 0.25, effectiveness: 0.25 });
  }
  assert.equal(body.done.type, "done");

  const sse = await post(server.url, { paper: SAMPLE_PAPER, n: 2, seed: 3 }, "text/event-stream");
  assert.equal(sse.headers.get("content-type"), "text/event-stream");
  const events = [...(await sse.text()).matchAll(/^event: (\w+)\ndata: (.*)$/gm)].map((m) => ({
    event: m[1],
    data: JSON.parse(m[2] as string),
  }));
  assert.deepEqual(
    events.filter((e) => e.event !== "sentence").map((e) => e.event),
    ["idea", "idea", "done"],
  );
  assert.deepEqual(
    events.filter((e) => e.event === "idea").map((e) => e.data.seed),
    body.ideas.map((i) => i.seed),
    "the same seed gives the same ideas over either transport",
  );
  // Each idea is preceded by its sentences as they were written, with section and running scores.
  const n = splitSentences(SAMPLE_IDEA_TEXT).length;
  for (const idea of [0, 1]) {
    const sentences = events.filter((e) => e.event === "sentence" && e.data.index === idea).map((e) => e.data);
    assert.equal(sentences.length, n, `idea ${idea}: one event per sentence`);
    assert.deepEqual(
      sentences.map((x) => x.text),
      splitSentences(SAMPLE_IDEA_TEXT),
    );
    assert.equal(sentences[0]?.section, "title");
    assert.equal(sentences.at(-1)?.section, "experimentPlan.evaluation");
    for (const x of sentences) {
      assert.deepEqual(x.strengths, [], "no steering, no strengths");
      for (const d of ["novelty", "feasibility", "effectiveness"]) assert.ok(x.scores[d] > 0 && x.scores[d] < 1);
    }
    const ideaAt = events.findIndex((e) => e.event === "idea" && e.data.index === idea);
    const lastSentenceAt = events.findLastIndex((e) => e.event === "sentence" && e.data.index === idea);
    assert.ok(lastSentenceAt < ideaAt, "sentences stream before their idea is complete");
  }

  const bad = await post(server.url, { paper: { title: "" }, n: 99 });
  assert.equal(bad.status, 400);
  assert.match(JSON.stringify(await bad.json()), /invalid_body/);
  const steer = await post(server.url, { paper: SAMPLE_PAPER, control: "dynamic" });
  assert.equal(steer.status, 400, "a control the server cannot run is refused, not ignored");
  const missing = await post(server.url, { paper: { id: "nope" } });
  assert.equal(missing.status, 404);
  const spec = (await (await fetch(`${server.url}/openapi.json`)).json()) as { paths: Record<string, unknown> };
  assert.ok(spec.paths["/api/ideas"] && spec.paths["/v1/chat/completions"]);
});

test("a client that hangs up stops the generation", async () => {
  let calls = 0;
  let release: () => void = () => undefined;
  const gate = new Promise<void>((r) => (release = r));
  const backend = scriptedBackend(() => {
    calls++;
    return SAMPLE_IDEA_TEXT;
  });
  const slow: typeof backend = {
    ...backend,
    chat: async (m, o) => {
      if (calls >= 1) await gate; // the first idea answers at once, the rest wait: the client hangs up meanwhile
      return backend.chat(m, o);
    },
  };
  const ideas: IdeasApiDeps = {
    generate: (paper, o) =>
      generateIdeas(paper, {
        backend: slow,
        ...o,
        temperature: 0,
        topP: 1,
        maxTokens: 64,
        maxPromptTokens: 96,
        maxAttempts: 1,
      }),
    meta: { backend: "scripted", models: {} },
    controls: ["none"],
  };
  const server = await startServer({
    backend: slow,
    modelId: "m",
    ideas,
    log: silentLogger,
    host: "127.0.0.1",
    port: 0,
  });
  try {
    const abort = new AbortController();
    const res = await fetch(`${server.url}/api/ideas`, {
      method: "POST",
      headers: { "content-type": "application/json", accept: "text/event-stream" },
      body: JSON.stringify({ paper: SAMPLE_PAPER, n: 16 }),
      signal: abort.signal,
    });
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    await reader.read(); // the first idea's event
    abort.abort();
    await new Promise((r) => setTimeout(r, 100));
    release();
    await new Promise((r) => setTimeout(r, 200));
    assert.ok(calls <= 3, `generation stopped after the client left (${calls} of 16 ideas generated)`);
  } finally {
    await server.close();
  }
});

test("a model that never writes the layout gets a 500 that says so, not 'internal error'", async (t) => {
  const backend = scriptedBackend(() => "no layout here");
  const ideas = depsOver(backend, { maxTokens: 64, maxAttempts: 2 });
  const server = await startServer({ backend, modelId: "m", ideas, log: silentLogger, host: "127.0.0.1", port: 0 });
  t.after(() => server.close());
  const res = await post(server.url, { paper: SAMPLE_PAPER, n: 1 });
  assert.equal(res.status, 500);
  const { error } = (await res.json()) as { error: { message: string; code: string } };
  assert.equal(error.code, "generation_failed");
  assert.match(error.message, /no attempt of 2 gave the layout .*raise --max-attempts/);
});

/** The ideas routes over generateIdeas on `backend` (greedy, a short paper budget), without control. */
function depsOver(
  backend: LlmBackend,
  o: Pick<GenerateIdeasOptions, "maxTokens" | "maxAttempts" | "rewardModel">,
): IdeasApiDeps {
  return {
    generate: (paper, r) => generateIdeas(paper, { backend, ...r, temperature: 0, topP: 1, maxPromptTokens: 96, ...o }),
    meta: { backend: backend.name, models: {} },
    controls: ["none"],
  };
}
