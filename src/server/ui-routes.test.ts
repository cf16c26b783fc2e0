import assert from "node:assert/strict";
import { mkdirSync, truncateSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { type TestContext, test } from "node:test";
import { EQUAL_WEIGHTS, parseIdea } from "../idea/index.js";
import { IdeaStore } from "../ideas/index.js";
import { newPaper, PaperStore } from "../library/index.js";
import { SAMPLE_IDEA_TEXT, startTestServer, tempDir } from "../testing/index.js";
import { MATCH_CLOSE, MATCH_OPEN, MAX_METRICS_BYTES } from "./index.js";

/** A real server over a real library, idea history, runs folder and a built UI (a two-file fixture). */
async function uiServer(t: TestContext, token?: string) {
  const home = tempDir(t);
  const dbPath = join(home, "library.sqlite");
  const library = PaperStore.open(dbPath);
  library.upsert([
    newPaper({
      id: "iclr2020/abc",
      title: "Bandits with regret bounds",
      abstract: "We bound the regret of bandits.",
      source: "jsonl",
    }),
    newPaper({
      id: "iclr2020/def",
      title: "Graph neural networks",
      abstract: "Message passing on graphs.",
      source: "jsonl",
    }),
  ]);
  const history = IdeaStore.open(dbPath);
  const [saved] = history.save([
    {
      run: "r",
      paper: { id: "iclr2020/abc", title: "Bandits with regret bounds", abstract: "" },
      text: SAMPLE_IDEA_TEXT,
      idea: parseIdea(SAMPLE_IDEA_TEXT),
      scores: { novelty: 0.5, feasibility: 0.6, effectiveness: 0.7 },
      weights: EQUAL_WEIGHTS,
      backend: "b",
      models: {},
      seed: 1,
      related: [{ id: "iclr2020/def", title: "Graph neural networks", role: "prior" }],
    },
    {
      run: "r",
      paper: { id: null, title: "p", abstract: "" },
      text: SAMPLE_IDEA_TEXT,
      idea: parseIdea(SAMPLE_IDEA_TEXT),
      scores: null,
      weights: EQUAL_WEIGHTS,
      backend: "b",
      models: {},
      seed: 2,
      related: [],
    },
  ]);
  t.after(() => {
    history.close();
    library.close();
  });
  const runs = join(home, "runs");
  mkdirSync(join(runs, "sft-20261205-120000"), { recursive: true });
  writeFileSync(
    join(runs, "sft-20261205-120000", "metrics.jsonl"),
    '{"step":1,"loss/train":2}\n{"step":2,"loss/train":1}\n',
  );
  const ui = join(home, "ui");
  mkdirSync(join(ui, "assets"), { recursive: true });
  writeFileSync(join(ui, "index.html"), "<!doctype html><title>ui</title>");
  writeFileSync(join(ui, "assets", "app-1234.js"), "console.log(1)");
  writeFileSync(join(home, "secret.txt"), "not for the web");
  writeFileSync(join(home, "metrics.jsonl"), '{"step":1,"secret":1}\n'); // what runs/.. would reach
  const server = await startTestServer(t, {
    token,
    library: { store: library, dense: null },
    history: { store: history, bibLookup: (id) => library.get(id) },
    runsRoot: runs,
    webUi: ui,
  });
  return { ...server, ideaId: saved as number, runs };
}

const post = (url: string, body: unknown) =>
  fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });

test("the UI and its assets are served from memory with a CSP; no URL reaches another file", async (t) => {
  const s = await uiServer(t);
  const page = await fetch(`${s.url}/`);
  assert.equal(page.status, 200);
  assert.match(page.headers.get("content-type") ?? "", /text\/html/);
  assert.match(page.headers.get("content-security-policy") ?? "", /script-src 'self'/);
  assert.equal(await page.text(), "<!doctype html><title>ui</title>");
  const asset = await fetch(`${s.url}/assets/app-1234.js`);
  assert.equal(asset.status, 200);
  assert.match(asset.headers.get("cache-control") ?? "", /immutable/);
  for (const path of [
    "/assets/../secret.txt",
    "/assets/%2e%2e%2fsecret.txt",
    "/assets/..%2F..%2Fsecret.txt",
    "/secret.txt",
  ])
    assert.equal((await fetch(`${s.url}${path}`)).status, 404, path);
});

test("with a token: the UI shell is public, every API route needs the token", async (t) => {
  const s = await uiServer(t, "s3cret");
  assert.equal((await fetch(`${s.url}/`)).status, 200);
  for (const path of ["/api/info", "/api/papers?q=bandits", "/api/history", "/api/runs"])
    assert.equal((await fetch(`${s.url}${path}`)).status, 401, path);
  const ok = await fetch(`${s.url}/api/papers?q=bandits`, { headers: { authorization: "Bearer s3cret" } });
  assert.equal(ok.status, 200);
});

test("GET /api/papers searches with marked snippets; a paper page by id (slashes included); bad queries are 400", async (t) => {
  const s = await uiServer(t);
  const hits = (await (await fetch(`${s.url}/api/papers?q=regret`)).json()) as {
    papers: { id: string; snippet: string }[];
  };
  assert.equal(hits.papers[0]?.id, "iclr2020/abc");
  assert.ok(hits.papers[0]?.snippet.includes(`${MATCH_OPEN}regret${MATCH_CLOSE}`), hits.papers[0]?.snippet);
  const page = await fetch(`${s.url}/api/papers/${encodeURIComponent("iclr2020/abc")}`);
  assert.equal(((await page.json()) as { paper: { title: string } }).paper.title, "Bandits with regret bounds");
  assert.equal((await fetch(`${s.url}/api/papers/iclr2020/abc`)).status, 200, "an unencoded slash works too");
  assert.equal((await fetch(`${s.url}/api/papers/nope`)).status, 404);
  assert.equal((await fetch(`${s.url}/api/papers/${"x".repeat(5000)}`)).status, 400);
  for (const q of [
    "",
    "?q=",
    "?q=a&limit=1000",
    "?q=a&limit=x",
    `?q=${"a".repeat(600)}`,
    "?q=a&mode=dense",
    "?q=a&mode=x",
  ])
    assert.equal((await fetch(`${s.url}/api/papers${q}`)).status, 400, q);
});

test("the idea history: list, rate 1-5, prefer, export; wrong ids and values get 400/404", async (t) => {
  const s = await uiServer(t);
  const list = (await (await fetch(`${s.url}/api/history`)).json()) as { ideas: { id: number }[] };
  assert.equal(list.ideas.length, 2);
  const rated = await post(`${s.url}/api/history/${s.ideaId}/rating`, { score: 5 });
  assert.equal(((await rated.json()) as { idea: { rating: number } }).idea.rating, 5);
  assert.equal((await post(`${s.url}/api/history/${s.ideaId}/rating`, { score: 6 })).status, 400);
  assert.equal((await post(`${s.url}/api/history/${s.ideaId}/rating`, { score: 2.5 })).status, 400);
  assert.equal((await post(`${s.url}/api/history/999/rating`, { score: 3 })).status, 404);
  assert.equal((await post(`${s.url}/api/history/x/rating`, { score: 3 })).status, 404);
  const other = s.ideaId + 1;
  assert.equal((await post(`${s.url}/api/history/preference`, { better: other, worse: s.ideaId })).status, 200);
  assert.equal((await post(`${s.url}/api/history/preference`, { better: other, worse: other })).status, 400);
  assert.equal((await post(`${s.url}/api/history/preference`, { better: other, worse: 999 })).status, 404);

  const md = await fetch(`${s.url}/api/history/export?format=md&ids=${s.ideaId}`);
  assert.match(md.headers.get("content-disposition") ?? "", /ideas\.md/);
  assert.match(await md.text(), /your rating 5\/5/);
  const bib = await (await fetch(`${s.url}/api/history/export?format=bib&ids=${s.ideaId}`)).text();
  assert.match(bib, /Graph neural networks/);
  for (const q of ["format=pdf", "ids=1;DROP", "ids=", `ids=${"1,".repeat(1500)}1`])
    assert.equal((await fetch(`${s.url}/api/history/export?${q}`)).status, 400, q);
  assert.equal((await fetch(`${s.url}/api/history/export?ids=999`)).status, 404);
});

test("training runs: the list, metrics and curves; a name that is a path is 404, an absurd metrics file 413", async (t) => {
  const s = await uiServer(t);
  const { runs } = (await (await fetch(`${s.url}/api/runs`)).json()) as { runs: { id: string; stage: string }[] };
  assert.deepEqual(
    runs.map((r) => [r.id, r.stage]),
    [["sft-20261205-120000", "sft"]],
  );
  const metrics = (await (await fetch(`${s.url}/api/runs/sft-20261205-120000/metrics`)).json()) as { keys: string[] };
  assert.deepEqual(metrics.keys, ["loss/train"]);
  const svg = await fetch(`${s.url}/api/runs/sft-20261205-120000/curves.svg`);
  assert.equal(svg.headers.get("content-type"), "image/svg+xml");
  assert.match(await svg.text(), /^<svg/);
  for (const id of ["..", "%2e%2e", "..%2F", "%2E%2E%2F", "..%2Fsft-20261205-120000", ".hidden", "nope"])
    assert.equal((await fetch(`${s.url}/api/runs/${id}/metrics`)).status, 404, id);
  // A metrics file over the cap (sparse: no disk spent) is refused before it is read.
  mkdirSync(join(s.runs, "huge-20261205-000000"));
  writeFileSync(join(s.runs, "huge-20261205-000000", "metrics.jsonl"), "");
  truncateSync(join(s.runs, "huge-20261205-000000", "metrics.jsonl"), MAX_METRICS_BYTES + 1);
  assert.equal((await fetch(`${s.url}/api/runs/huge-20261205-000000/curves.svg`)).status, 413);
});

test("GET /openapi.json documents the routes this server mounts", async (t) => {
  const s = await uiServer(t);
  const doc = (await (await fetch(`${s.url}/openapi.json`)).json()) as { paths: Record<string, unknown> };
  for (const p of [
    "/api/info",
    "/api/papers",
    "/api/papers/{id}",
    "/api/history",
    "/api/history/{id}/rating",
    "/api/history/preference",
    "/api/history/export",
    "/api/runs",
    "/api/runs/{id}/curves.svg",
  ])
    assert.ok(doc.paths[p], p);
});
