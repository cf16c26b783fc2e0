import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { after, before, type TestContext, test } from "node:test";
import { Config } from "../config/index.js";
import { EQUAL_WEIGHTS } from "../idea/index.js";
import { generateIdeas } from "../ideas/index.js";
import { newPaper, PaperStore, titleId } from "../library/index.js";
import { type LlmBackend, openBackend, SHIPPED_POLICY_PATH } from "../llm/index.js";
import { loadRewardModel } from "../reward/index.js";
import { type SinkAnswer, startSmtpSink, tempDir } from "../testing/index.js";
import { DigestStore, type GenerateIdeas, NewPaperFinder, type Outcome, openSmtpSender, runDigest } from "./index.js";

/*
 * runDigest against a real SMTP server (smtp-server on 127.0.0.1) with ideas from the shipped policy (builtin
 * backend, one idea per paper): what the ledger does when the server refuses a mail, or goes silent after it.
 */
const SKIP = existsSync(SHIPPED_POLICY_PATH) ? false : `no shipped policy at ${SHIPPED_POLICY_PATH}`;
let backend: LlmBackend;
let generate: GenerateIdeas;

before(async () => {
  if (SKIP) return;
  const llm = { ...Config.parse({}).llm, modelPath: SHIPPED_POLICY_PATH, threads: 1 };
  backend = await openBackend("builtin", { llm, home: "/nonexistent" });
  const rewardModel = loadRewardModel();
  generate = (paper, o) =>
    generateIdeas(paper, {
      backend,
      n: o.n,
      seed: 1,
      temperature: 0.8,
      topP: 0.95,
      maxTokens: 512,
      maxPromptTokens: 480,
      maxAttempts: 6,
      rewardModel,
    });
});
after(() => backend?.close());

async function setUp(t: TestContext, answer: () => SinkAnswer) {
  const path = join(tempDir(t), "library.sqlite");
  const sink = await startSmtpSink(t, { onMessage: answer });
  const store = DigestStore.open(path);
  t.after(() => store.close());
  const sub = store.subscribe({
    query: "diffusion",
    email: "ada@example.org",
    ideasPerPaper: 1,
    maxPapers: 5,
    weights: EQUAL_WEIGHTS,
    cursorPk: 0,
  });
  const library = PaperStore.open(path);
  const title = "Steering diffusion models";
  library.upsert([
    newPaper({ id: titleId(title), title, abstract: "Guidance for diffusion models.", source: "listing" }),
  ]);
  library.close();
  const mailer = openSmtpSender({ host: "127.0.0.1", port: sink.port, secure: false, timeoutS: 1 });
  t.after(() => mailer.close());
  const run = async (runId: string, o: { resolveStuck?: boolean } = {}) => {
    const finder = NewPaperFinder.open(path);
    try {
      const report = await runDigest({
        store,
        finder,
        generate,
        send: mailer.send,
        from: "ideasteer <digest@example.org>",
        publicUrl: "http://127.0.0.1:1",
        runId,
        resolveStuck: o.resolveStuck ?? false,
      });
      return report.outcomes.find((x) => x.subscription.id === sub.id)?.outcome as Outcome;
    } finally {
      finder.close();
    }
  };
  return { sink, store, sub, run };
}

test("a mail the server refuses is `failed`, the cursor stays, and the next run sends the same papers", {
  skip: SKIP,
  timeout: 60_000,
}, async (t) => {
  let answer: SinkAnswer = "refuse";
  const { sink, store, sub, run } = await setUp(t, () => answer);
  const refused = await run("r1");
  assert.equal(refused.kind, "failed");
  assert.equal(store.get(sub.id).cursorPk, 0);
  assert.equal(store.sends()[0]?.status, "failed");
  answer = "accept";
  assert.equal((await run("r2")).kind, "sent");
  assert.equal(sink.received.length, 2, "the refused one and the accepted one");
  assert.match(sink.received[1]?.mail.subject ?? "", /1 new paper for "diffusion"/);
  assert.equal(store.get(sub.id).cursorPk, 1);
  assert.equal((await run("r3")).kind, "nothing-new");
  assert.equal(sink.received.length, 2);
});

test("a server that goes silent after the message may have delivered it: the send stays `sending`, never resent", {
  skip: SKIP,
  timeout: 60_000,
}, async (t) => {
  let answer: SinkAnswer = "hang";
  const { sink, store, sub, run } = await setUp(t, () => answer);
  const silent = await run("r1");
  assert.equal(silent.kind, "stuck", JSON.stringify(silent));
  answer = "accept";
  const again = await run("r2");
  assert.equal(again.kind, "stuck", "reported, not retried");
  assert.equal(sink.received.length, 1);
  assert.equal((await run("r3", { resolveStuck: true })).kind, "nothing-new", "resolved: its papers are behind it");
  assert.equal(store.sends()[0]?.status, "unconfirmed");
  assert.equal(store.get(sub.id).cursorPk, 1);
  assert.equal(sink.received.length, 1);
});
