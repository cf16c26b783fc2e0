import assert from "node:assert/strict";
import { test } from "node:test";
import type { IdeaRecord } from "../../ideas/index.js";
import { runCli, runCliAsync, scriptedBackend, startTestServer, tempDir } from "../../testing/index.js";

const EXAMPLES = new URL("../../../examples/listing.txt", import.meta.url).pathname;

/** A home whose library holds the three example papers; their ids by a word of the title. */
function exampleHome(t: import("node:test").TestContext) {
  const home = tempDir(t);
  assert.equal(runCli(home, ["library", "add", EXAMPLES]).status, 0);
  assert.equal(runCli(home, ["library", "index", "--no-progress"]).status, 0); // hybrid search, embedding dedup
  const ids = (q: string) =>
    (JSON.parse(runCli(home, ["library", "search", q, "--json", "--limit", "1"]).stdout) as { id: string }[])[0]?.id ??
    "";
  return { home, representation: ids("representation"), symbolic: ids("symbolic mathematics"), mpc: ids("regret mpc") };
}

const lines = (stdout: string) =>
  stdout
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l) as IdeaRecord);

test("generate --papers combines library papers; --topic takes the library's best matches", {
  timeout: 120_000,
}, async (t) => {
  const h = exampleHome(t);
  const both = await runCliAsync(t, h.home, [
    "generate",
    "--papers",
    `${h.representation},${h.symbolic}`,
    "-n",
    "1",
    "--json",
    "--no-save",
  ]);
  assert.equal(both.code, 0, both.stderr);
  const [idea] = lines(both.stdout);
  assert.deepEqual(
    idea?.related.filter((r) => r.role === "source").map((r) => r.id),
    [h.representation, h.symbolic],
    "both papers are the idea's sources",
  );
  assert.ok(idea?.related.every((r) => r.role === "source" || ![h.representation, h.symbolic].includes(r.id)));
  const novelty = (idea as { retrievalNovelty?: number } | undefined)?.retrievalNovelty;
  assert.ok(typeof novelty === "number" && novelty >= 0 && novelty <= 1, "retrieval novelty against the library");

  const topic = await runCliAsync(t, h.home, [
    "generate",
    "--topic",
    "symbolic integration",
    "--topic-papers",
    "1",
    "-n",
    "1",
    "--json",
    "--no-save",
  ]);
  assert.equal(topic.code, 0, topic.stderr);
  assert.equal(lines(topic.stdout)[0]?.related[0]?.id, h.symbolic);

  const bad = await runCliAsync(t, h.home, ["generate", "--papers", h.symbolic, "-n", "1"]);
  assert.notEqual(bad.code, 0);
  assert.match(bad.stderr, /--papers takes 2-4 distinct library ids/);
  const none = await runCliAsync(t, h.home, ["generate", "--paper", h.symbolic, "--topic", "x"]);
  assert.match(none.stderr, /exactly one of --paper/);
});

test("generate --rank tournament: a judge over HTTP compares every pair in both orders and orders the ranking", {
  timeout: 120_000,
}, async (t) => {
  const h = exampleHome(t);
  // The judge prefers the longer idea on novelty, whichever side it is on; feasibility: always "A" (position bias).
  const judge = scriptedBackend((messages) => {
    const user = messages[messages.length - 1]?.content ?? "";
    if (!(messages[0]?.content ?? "").startsWith("You compare two research ideas")) return judgement(user);
    const [a = "", b = ""] = [...user.matchAll(/label="[AB]">\n([\s\S]*?)\n<\/idea-/g)].map((m) => m[1] ?? "");
    return JSON.stringify({ novelty: a.length > b.length ? "A" : "B", feasibility: "A", effectiveness: "tie" });
  });
  // It answers JSON as a grammar-constrained server would (the openai backend asks for the answer's schema).
  const server = await startTestServer(t, {
    backend: { ...judge, capabilities: { ...judge.capabilities, jsonSchema: true } },
  });
  // Novelty only, ranked by a tournament whose judge is the server above. Unsteered: steering is tested elsewhere,
  // and the small policy leaves the layout more often under dynamic control.
  const tournament = (...more: string[]) =>
    runCliAsync(t, h.home, [
      ...["generate", "--paper", h.mpc, "--no-save", "--weights", "1,0,0", "--rank", "tournament", "--control", "none"],
      ...["--judge-backend", "openai", "--judge-base-url", `${server.url}/v1`, "--judge-model", "m", ...more],
    ]);
  const r = await tournament("-n", "3", "--judge");
  assert.equal(r.code, 0, r.stderr);
  const texts = [
    ...r.stdout.matchAll(/^## Idea (\d+)[^\n]*\n(?:\([^\n]*\)\n)?\n([\s\S]*?)\n\n(?=## Idea|ranked by|\d+ ideas;)/gm),
  ].map((m) => ({
    index: Number(m[1]),
    length: (m[2] ?? "").length,
  }));
  assert.equal(texts.length, 3);
  const expected = [...texts]
    .sort((x, y) => y.length - x.length)
    .map((x) => `idea ${x.index}`)
    .join(" > ");
  assert.match(
    r.stdout,
    /ranked by a judge tournament \(6 comparisons\) under your weights \(n\/f\/e 1\.00\/0\.00\/0\.00\)/,
  );
  assert.ok(r.stdout.includes(`: ${expected}\n`), `longest first: ${expected}\n${r.stdout}`);
  const comparisons = judge.prompts.filter((m) => (m[0]?.content ?? "").startsWith("You compare two research ideas"));
  assert.equal(comparisons.length, 6, "3 pairs, each asked in both orders");
  // --judge: each idea also carries the judge's scores (8, 7, 6 of 10) and its retrieval novelty.
  const scored = [
    ...r.stdout.matchAll(
      /^\(retrieval novelty (\d\.\d\d); judge novelty (\S+), feasibility (\S+), effectiveness (\S+)\)$/gm,
    ),
  ];
  assert.equal(scored.length, 3, r.stdout);
  for (const m of scored) {
    assert.ok(Number(m[1]) >= 0 && Number(m[1]) <= 1);
    assert.ok(Number(m[2]) > Number(m[3]) && Number(m[3]) > Number(m[4]), "the judge's 8 > 7 > 6 came through");
  }
  // --json: the lines wait for the tournament and come out in its order, each with its rank.
  const json = await tournament("-n", "2", "--seed", "5", "--json");
  assert.equal(json.code, 0, json.stderr);
  const ranked = lines(json.stdout) as (IdeaRecord & { rank: number })[];
  assert.deepEqual(
    ranked.map((x) => x.rank),
    [1, 2],
  );
  assert.ok((ranked[0]?.text.length ?? 0) >= (ranked[1]?.text.length ?? 0), "the judge's pick (the longer) first");
});

/** A judge answer (judge-answer.ts) whose rationales name the idea's title words, as a sane judgement does. */
function judgement(user: string): string {
  const title = /Title: ([^\n]*)/.exec(user)?.[1] ?? "the idea";
  const rationale = (what: string) => `${what} of "${title}": the method and its evaluation as described.`;
  return JSON.stringify({
    novelty: { rationale: rationale("Novelty"), citedIds: [], score: 8 },
    feasibility: { rationale: rationale("Feasibility"), citedIds: [], score: 7 },
    effectiveness: { rationale: rationale("Effectiveness"), citedIds: [], score: 6 },
  });
}
