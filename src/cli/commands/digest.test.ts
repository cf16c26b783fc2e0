import assert from "node:assert/strict";
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, type TestContext, test } from "node:test";
import { DigestStore, escapeHtml } from "../../digest/index.js";
import { IdeaStore } from "../../ideas/index.js";
import { SHIPPED_POLICY_PATH } from "../../llm/index.js";
import {
  type CliChild,
  type ReceivedEmail,
  runCliAsync,
  startCli,
  startServeChild,
  startSmtpSink,
  tempDir,
} from "../../testing/index.js";

/*
 * `ideasteer digest` end to end, as cron runs it: papers come in through `library add` of an arXiv Atom feed, each
 * `digest run` is a child process that generates with the shipped policy (one idea per paper) and mails a real SMTP
 * server on 127.0.0.1 (smtp-server; what it receives is parsed with mailparser), and the unsubscribe link is
 * followed through a real `ideasteer serve`.
 */
const SKIP = existsSync(SHIPPED_POLICY_PATH) ? false : `no shipped policy at ${SHIPPED_POLICY_PATH}`;

type Entry = { id: string; title: string; summary: string };
const atomFeed = (entries: Entry[]) =>
  `<?xml version="1.0" encoding="UTF-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
  <title>arXiv query results</title><id>http://arxiv.org/api/query</id><updated>2025-01-01T00:00:00Z</updated>
${entries
  .map(
    (e) => `  <entry>
    <id>http://arxiv.org/abs/${e.id}v1</id><title>${e.title}</title><summary>${e.summary}</summary>
    <author><name>Ada Lovelace</name></author><published>2025-01-01T00:00:00Z</published>
  </entry>`,
  )
  .join("\n")}
</feed>
`;

/** A home whose config sends through the sink, with emails linking to `publicUrl`; `addPapers`: `library add` of a feed. */
function digestHome(t: TestContext, smtpPort: number) {
  const home = tempDir(t);
  const configure = (publicUrl: string) =>
    writeFileSync(
      join(home, "config.json"),
      JSON.stringify({
        digest: { smtpHost: "127.0.0.1", smtpPort, from: "ideasteer <digest@example.org>", publicUrl },
      }),
    );
  configure("http://127.0.0.1:9");
  let feeds = 0;
  const addPapers = async (entries: Entry[]) => {
    const file = join(home, `feed-${++feeds}.atom`);
    writeFileSync(file, atomFeed(entries));
    const r = await runCliAsync(t, home, ["library", "add", file]);
    assert.equal(r.code, 0, r.stderr);
  };
  return { home, dbPath: join(home, "library.sqlite"), addPapers, configure };
}

const digestRun = async (t: TestContext, home: string, ...flags: string[]) => {
  const r = await runCliAsync(t, home, ["digest", "run", ...flags]);
  assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
  return r.stdout;
};

const SCRIPT_TITLE = "Steering diffusion models with &lt;script&gt;alert(1)&lt;/script&gt; guidance";
const DIFFUSION_1 = { id: "2501.00001", title: SCRIPT_TITLE, summary: "Guidance steers diffusion models." };
const DIFFUSION_2 = {
  id: "2501.00002",
  title: "Faster sampling for diffusion models",
  summary: "Diffusion models sample in few steps.",
};
const GRASPING = {
  id: "2501.00003",
  title: "Robot grasping from sparse rewards",
  summary: "Reinforcement learning for grasping.",
};

// The two tests share nothing (own homes, own SMTP servers): they run side by side.
describe("ideasteer digest", { concurrency: 2 }, () => {
  test("digest run mails each new matching paper once with its ideas, nothing when nothing is new; the unsubscribe link works through serve", {
    skip: SKIP,
    timeout: 120_000,
  }, async (t) => {
    const sink = await startSmtpSink(t);
    const { home, dbPath, addPapers, configure } = digestHome(t, sink.port);
    const served = await startServeChild(t, home, ["--no-ui"]); // answers the links of this home's emails
    const publicUrl = served.url.replace(/\/v1$/, "");
    configure(publicUrl);

    // Subscribing checks its input; a new subscription sees papers added from now on.
    const [added, badEmail, badWeights] = await Promise.all([
      runCliAsync(t, home, [
        "digest",
        "add",
        "diffusion models",
        "--to",
        "ada@example.org",
        "--weights",
        "2,1,1",
        "--ideas",
        "1",
      ]),
      runCliAsync(t, home, ["digest", "add", "diffusion", "--to", "ada at example"]),
      runCliAsync(t, home, ["digest", "add", "diffusion", "--to", "ada@example.org", "--weights", "1,x,1"]),
    ]);
    assert.equal(added.code, 0, added.stderr);
    assert.match(
      added.stdout,
      /^subscribed #1: ada@example\.org <- "diffusion models" \(n\/f\/e 0\.50\/0\.25\/0\.25, 1 ideas/,
    );
    assert.equal(badEmail.code, 1);
    assert.match(badEmail.stderr, /error: cannot subscribe: email: not an email address/);
    assert.equal(badWeights.code, 1);
    assert.match(badWeights.stderr, /error: --weights 1,x,1\nhint: give three non-negative numbers/);

    // 1. Two new matching papers (and one that does not match): one email with both and their ideas.
    await addPapers([DIFFUSION_1, DIFFUSION_2, GRASPING]);
    assert.match(await digestRun(t, home), /^#1 ada@example\.org "diffusion models": sent 2 paper\(s\), 2 idea\(s\)/m);
    assert.equal(sink.received.length, 1);
    const first = sink.received[0] as ReceivedEmail;
    assert.deepEqual(first.to, ["ada@example.org"]);
    const text = first.mail.text ?? "";
    const html = String(first.mail.html);
    const title = "Steering diffusion models with <script>alert(1)</script> guidance";
    for (const paper of [title, DIFFUSION_2.title]) assert.ok(text.includes(paper), paper);
    assert.ok(html.includes(escapeHtml(title)), "the paper title arrives escaped in the HTML");
    assert.ok(!/<script/i.test(html), "and never as markup");
    assert.ok(html.includes(escapeHtml(DIFFUSION_2.title)));
    assert.ok(!text.includes(GRASPING.title), "a paper that does not match is not mailed");
    assert.match(html, /href="http:\/\/arxiv\.org\/abs\/2501\.00002v1"/);
    const history = IdeaStore.open(dbPath);
    const ideas = history.list({ limit: 10 });
    history.close();
    assert.equal(ideas.length, 2, "one idea per paper, kept in the idea history");
    for (const i of ideas) {
      assert.match(i.run, /^digest-/);
      // The shipped policy runs dynamic: the record names what steered it, as generate's records do.
      for (const part of ["policy", "reward", "controllers", "decoder", "decoderReward"])
        assert.match(i.models[part] ?? "", /^sha256:[0-9a-f]{16}$/, `models.${part}`);
      assert.ok(text.includes(i.idea.title.replace(/\s+/g, " ").trim()), i.idea.title);
      assert.ok(html.includes(escapeHtml(i.idea.title.replace(/\s+/g, " ").trim())), i.idea.title);
    }
    const headers = first.raw.replace(/\r?\n[ \t]+/g, " ");
    const unsubscribe = /^List-Unsubscribe: <([^>]+)>/m.exec(headers)?.[1] ?? "";
    assert.match(unsubscribe, new RegExp(`^${publicUrl}/digest/unsubscribe\\?token=[0-9a-f]{32}$`));
    assert.match(headers, /^List-Unsubscribe-Post: List-Unsubscribe=One-Click/m);
    assert.ok(text.includes(unsubscribe) && html.includes(escapeHtml(unsubscribe)), "the link is in both parts");

    // 2. Nothing new: nothing sent.
    assert.match(await digestRun(t, home), /^#1 ada@example\.org "diffusion models": nothing new$/m);
    assert.equal(sink.received.length, 1);

    // 3. One more paper: one email with only that paper.
    const molecules = {
      id: "2501.00004",
      title: "Latent diffusion models for molecules",
      summary: "Diffusion models design molecules.",
    };
    await addPapers([molecules]);
    assert.match(await digestRun(t, home), /sent 1 paper\(s\), 1 idea\(s\)/);
    assert.equal(sink.received.length, 2);
    const second = sink.received[1]?.mail.text ?? "";
    assert.ok(second.includes(molecules.title));
    assert.ok(!second.includes(DIFFUSION_2.title) && !second.includes("Steering diffusion"), "only the new paper");

    // 4. The unsubscribe link: GET shows a confirm form and changes nothing; POST (one-click) unsubscribes.
    const subscription = () => {
      const store = DigestStore.open(dbPath);
      try {
        return store.get(1);
      } finally {
        store.close();
      }
    };
    const page = await fetch(unsubscribe);
    assert.equal(page.status, 200);
    assert.match(await page.text(), /<form method="post" action="\?token=[0-9a-f]{32}">/);
    assert.equal(subscription().unsubscribedAt, null, "GET does not unsubscribe (mail scanners prefetch links)");
    for (const bad of ["0".repeat(32), "x".repeat(5000), ""]) {
      const r = await fetch(`${publicUrl}/digest/unsubscribe?token=${bad}`, { method: "POST" });
      assert.equal(r.status, 404, bad.slice(0, 10));
      assert.match(await r.text(), /unsubscribe link is not valid/);
    }
    const done = await fetch(unsubscribe, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: "List-Unsubscribe=One-Click",
    });
    assert.equal(done.status, 200);
    assert.match(await done.text(), /ada@example\.org will get no more digests/);
    assert.ok(subscription().unsubscribedAt, "POST unsubscribes");

    // 5. New matching papers after unsubscribing: nothing to that subscriber.
    await addPapers([
      { id: "2501.00005", title: "Diffusion models for audio", summary: "Diffusion models make sound." },
    ]);
    assert.doesNotMatch(await digestRun(t, home), /#1/);
    assert.equal(sink.received.length, 2);
  });

  test("a crash mid-run never sends twice: killed right after the server received the first email, the rerun mails only the other subscriber", {
    skip: SKIP,
    timeout: 120_000,
  }, async (t) => {
    let run: CliChild | null = null;
    let crashes = 1;
    const sink = await startSmtpSink(t, {
      // The whole message is in and the sender awaits the server's 250: kill it there, before the ledger says `sent`.
      onMessage: () => {
        if (crashes-- <= 0) return "accept";
        run?.child.kill("SIGKILL");
        return "hang";
      },
    });
    const { home, dbPath, addPapers } = digestHome(t, sink.port);
    const store = DigestStore.open(dbPath);
    const subscribe = (query: string, email: string) =>
      store.subscribe({
        query,
        email,
        ideasPerPaper: 1,
        maxPapers: 5,
        cursorPk: 0,
        weights: { novelty: 1, feasibility: 0, effectiveness: 0 },
      });
    subscribe("diffusion", "ada@example.org");
    subscribe("grasping", "bob@example.org");
    store.close();
    await addPapers([DIFFUSION_2, GRASPING]);
    const received = () => sink.received.map((r) => r.to.join(",")).sort();

    run = startCli(t, home, ["digest", "run"]);
    const crashed = await run.done;
    assert.equal(crashed.signal, "SIGKILL", crashed.stderr);
    assert.deepEqual(received(), ["ada@example.org"]);

    const rerun = await runCliAsync(t, home, ["digest", "run"]);
    assert.deepEqual(received(), ["ada@example.org", "bob@example.org"], "each subscriber has exactly one email");
    assert.equal(rerun.code, 1, "a stuck send is reported with a non-zero exit");
    assert.match(
      rerun.stdout,
      /^#1 ada@example\.org "diffusion": stuck: send 1 <digest\.[^>]+> may have been delivered; not resent$/m,
    );
    assert.match(rerun.stdout, /^#2 bob@example\.org "grasping": sent 1 paper\(s\)/m);
    assert.match(rerun.stderr, /digest run --resolve-stuck/);

    const resolved = await runCliAsync(t, home, ["digest", "run", "--resolve-stuck"]);
    assert.equal(resolved.code, 0, resolved.stderr);
    assert.match(
      resolved.stdout,
      /^resolved send 1 \(subscription #1, <digest\.[^>]+>\): unconfirmed, not sent again$/m,
    );
    assert.deepEqual(received(), ["ada@example.org", "bob@example.org"], "resolving sends nothing");
    const ledger = DigestStore.open(dbPath);
    t.after(() => ledger.close());
    assert.deepEqual(
      ledger.sends().map((s) => [s.subscriptionId, s.status]),
      [
        [1, "unconfirmed"],
        [2, "sent"],
      ],
    );
  });
});

test("digest run takes best-of-K's objective as generate does, and names the choices for one it does not know", async (t) => {
  const home = tempDir(t);
  const r = await runCliAsync(t, home, [
    "digest",
    "run",
    "--control",
    "dynamic+best-of-k",
    "--best-of-objective",
    "loud",
  ]);
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /--best-of-objective.*loud.*weighted, centred, standardised, whitened/s);
});
