import assert from "node:assert/strict";
import { once } from "node:events";
import { join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import OpenAI from "openai";
import { LlmConfig } from "../../config/index.js";
import { DIMENSIONS } from "../../idea/index.js";
import { type IdeaRecord, modelHash } from "../../ideas/index.js";
import { openOpenAi } from "../../llm/index.js";
import { saveBestOfKFit } from "../../steer/index.js";
import {
  runCli,
  SAMPLE_IDEA_TEXT,
  SAMPLE_PAPER,
  startServeChild,
  tempDir,
  tinyLlamaConfig,
  writeRandomLlamaModel,
  writeTinyControllers,
  writeTinyPolicy,
} from "../../testing/index.js";

const _MAIN = fileURLToPath(new URL("../main.ts", import.meta.url));

test("ideasteer serve: a GGUF file served under /v1 until SIGTERM, reachable by the openai backend", {
  timeout: 120_000,
}, async (t) => {
  const home = tempDir(t);
  const modelPath = join(home, "tiny-model.gguf");
  writeRandomLlamaModel(modelPath, {
    config: tinyLlamaConfig({ nLayers: 1, nHeads: 2, nKvHeads: 2, contextLength: 128, tiedEmbeddings: true }),
    seed: 9,
  });
  const { child, url, stdout, stderr } = await startServeChild(t, home, [
    "--backend",
    "llama",
    "--model-path",
    modelPath,
  ]);
  assert.match(
    stdout,
    /^serving tiny-model \(llama:tiny-model\.gguf\) at http:\/\/127\.0\.0\.1:\d+\/v1, ideas at http:\/\/127\.0\.0\.1:\d+\/api\/ideas, the web UI at http:\/\/127\.0\.0\.1:\d+\/$/m,
  );

  const client = await openOpenAi({ llm: LlmConfig.parse({ baseUrl: url, model: "", cache: "off" }) });
  assert.equal(client.model, "tiny-model");
  const g = await client.chat([{ role: "user", content: "hi" }], { maxTokens: 3, temperature: 0 });
  assert.equal(g.usage.completionTokens, 3);
  const steered = await fetch(`${url}/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      messages: [{ role: "user", content: "hi" }],
      weights: { novelty: 1, feasibility: 0, effectiveness: 0 },
    }),
  });
  assert.equal(steered.status, 400, "no controllers beside this model: weights are refused, not ignored");
  assert.match(await steered.text(), /no controllers/);

  child.kill("SIGTERM");
  const [code] = await once(child, "exit");
  assert.equal(code, 0, stderr());
});

test("ideasteer serve: /api/ideas steers with the controllers beside the policy (static) and refuses what it cannot run", {
  timeout: 120_000,
}, async (t) => {
  const home = tempDir(t);
  const modelPath = await writeTinyPolicy(join(home, "policy"), { ...SAMPLE_PAPER, idea: SAMPLE_IDEA_TEXT });
  writeTinyControllers(join(home, "policy"));
  const { url } = await startServeChild(t, home, ["--backend", "builtin", "--model-path", modelPath]);
  const post = async (body: object) => {
    const res = await fetch(url.replace(/\/v1$/, "/api/ideas"), {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ paper: SAMPLE_PAPER, n: 1, ...body }),
    });
    return { status: res.status, body: (await res.json()) as { ideas?: IdeaRecord[]; error?: { message: string } } };
  };

  const weights = { novelty: 2, feasibility: 1, effectiveness: 1 };
  const fixed = await post({ control: "static", weights });
  assert.equal(fixed.status, 200, JSON.stringify(fixed.body));
  const idea = fixed.body.ideas?.[0] as IdeaRecord;
  assert.ok(idea.strengths.length > 0, "a strength vector per sentence");
  for (const eps of idea.strengths)
    assert.deepEqual(eps, [0.5, 0.25, 0.25], "eps = eps-max (1) x the normalised weights");
  // The idea names the controllers that steered it; an unsteered one names only the policy and the reward model.
  const controllers = DIMENSIONS.map((d) => join(home, "policy", "controllers", `${d}.gguf`));
  assert.equal(idea.models.controllers, modelHash(controllers));
  const bare = await post({ control: "none" });
  assert.deepEqual(Object.keys(bare.body.ideas?.[0]?.models ?? {}), ["policy", "reward"]);
  const centred = await post({ control: "best-of-k", bestOf: 2, bestOfObjective: "centred", weights });
  assert.equal(centred.status, 200, JSON.stringify(centred.body));
  assert.equal(centred.body.ideas?.[0]?.text, SAMPLE_IDEA_TEXT, "best-of-K continues the policy through its layout");
  // Tracking selects by the fit beside the controllers, and the idea names that fit.
  const fitFile = join(home, "policy", "controllers", "best-of-k.json");
  const covariance = [
    [0.01, 0.002, 0],
    [0.002, 0.01, 0],
    [0, 0, 0.01],
  ];
  const fit = { rounds: 9, candidates: 36, rewardModel: "", command: "", step: 0.4, covariance };
  saveBestOfKFit(fitFile, { format: "ideasteer-best-of-k-fit-v1", ...fit });
  const tracked = await post({ control: "static+best-of-k", bestOf: 2, bestOfObjective: "tracking", weights });
  assert.equal(tracked.status, 200, JSON.stringify(tracked.body));
  assert.equal(tracked.body.ideas?.[0]?.models.bestOfKFit, modelHash(fitFile));
  const loud = await post({ control: "best-of-k", bestOfObjective: "loudest" });
  assert.equal(loud.status, 400, "an objective best-of-K does not know is refused");

  // The chat endpoint's extra field: weights steer the answer through the same controllers, set and cleared in
  // one turn (a plain request after a steered one answers as before it).
  const chat = async (extra: object) => {
    const res = await fetch(`${url}/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        messages: [{ role: "user", content: "An idea?" }],
        max_tokens: 24,
        temperature: 0,
        ...extra,
      }),
    });
    const body = (await res.json()) as { choices: { message: { content: string } }[] };
    assert.equal(res.status, 200, JSON.stringify(body));
    return body.choices[0]?.message.content;
  };
  const before = await chat({});
  const pushed = await chat({ weights: { novelty: 1, feasibility: 0, effectiveness: 0 } });
  assert.notEqual(pushed, before, "the weights moved the answer");
  assert.equal(await chat({}), before, "the control vector was cleared after the steered answer");

  // The official client, streaming, with the extra field in its body: the same steered answer.
  const client = new OpenAI({ baseURL: url, apiKey: "unused-on-loopback" });
  const [model] = (await client.models.list()).data;
  // ideasteer's extra field rides in the body the client sends.
  const body: OpenAI.Chat.ChatCompletionCreateParamsStreaming & { weights: Record<string, number> } = {
    model: model?.id ?? "",
    messages: [{ role: "user", content: "An idea?" }],
    max_tokens: 24,
    temperature: 0,
    stream: true,
    weights: { novelty: 1, feasibility: 0, effectiveness: 0 },
  };
  const stream = await client.chat.completions.create(body);
  let streamed = "";
  for await (const chunk of stream) streamed += chunk.choices[0]?.delta.content ?? "";
  assert.equal(streamed, pushed);

  const dynamic = await post({ control: "dynamic" });
  assert.equal(dynamic.status, 400, "no decoder beside the controllers: refused, not ignored");
  assert.match(dynamic.body.error?.message ?? "", /use one of none, best-of-k, static, static\+best-of-k$/);
});

test("ideasteer serve --index: the dense index is built beside serving, and hybrid search switches on when it is ready", {
  timeout: 120_000,
}, async (t) => {
  const home = tempDir(t);
  const listing = new URL("../../../examples/listing.txt", import.meta.url).pathname;
  assert.equal(runCli(home, ["library", "add", listing]).status, 0);
  const { url } = await startServeChild(t, home, ["--index", "--no-ui"]);
  const base = url.replace(/\/v1$/, "");
  const dense = () => fetch(`${base}/api/papers?q=symbolic+mathematics&mode=dense`);
  let status = 0;
  for (const end = Date.now() + 60_000; Date.now() < end && status !== 200; ) {
    status = (await dense()).status;
    if (status !== 200) await new Promise((r) => setTimeout(r, 200));
  }
  assert.equal(status, 200, "dense search answers once the background build is done");
  const body = (await (await dense()).json()) as { papers: { title: string }[] };
  assert.match(body.papers[0]?.title ?? "", /Symbolic Mathematics/);
  const hybrid = (await (await fetch(`${base}/api/papers?q=symbolic`)).json()) as { mode: string };
  assert.equal(hybrid.mode, "hybrid", "the default mode follows the index");
});
