import assert from "node:assert/strict";
import { join } from "node:path";
import { test } from "node:test";
import { silentLogger } from "../core/index.js";
import { DigestStore } from "../digest/index.js";
import { EQUAL_WEIGHTS } from "../idea/index.js";
import { capabilitiesOf, type LlmBackend } from "../llm/index.js";
import { tempDir } from "../testing/index.js";
import { startServer } from "./index.js";

const backend: LlmBackend = {
  name: "none",
  capabilities: capabilitiesOf({ chat: true }),
  complete: async () => {
    throw new Error("not used");
  },
  chat: async () => {
    throw new Error("not used");
  },
  close: async () => undefined,
};

test("the unsubscribe link needs no bearer token (its own token authorises it); the rest of the server still does", async (t) => {
  const store = DigestStore.open(join(tempDir(t), "library.sqlite"));
  t.after(() => store.close());
  const s = store.subscribe({
    query: "diffusion <b>models</b>",
    email: "ada@example.org",
    ideasPerPaper: 1,
    maxPapers: 1,
    weights: EQUAL_WEIGHTS,
    cursorPk: 0,
  });
  const server = await startServer({
    backend,
    modelId: "m",
    log: silentLogger,
    token: "s3cret",
    digest: { store },
    host: "127.0.0.1",
    port: 0,
  });
  t.after(() => server.close());
  const link = `${server.url}/digest/unsubscribe?token=${s.token}`;

  const page = await fetch(link);
  assert.equal(page.status, 200);
  assert.match(page.headers.get("content-security-policy") ?? "", /frame-ancestors 'none'/);
  assert.equal(page.headers.get("cache-control"), "no-store");
  assert.equal(page.headers.get("referrer-policy"), "no-referrer");
  const html = await page.text();
  assert.match(html, /diffusion &lt;b&gt;models&lt;\/b&gt;/, "the query is escaped");
  assert.equal(store.get(s.id).unsubscribedAt, null, "GET changes nothing");

  assert.equal((await fetch(`${server.url}/api/info`)).status, 401, "the API keeps its bearer token");
  assert.equal((await fetch(link, { method: "PUT" })).status, 401, "other methods meet the token check");
  const spec = (await (
    await fetch(`${server.url}/openapi.json`, { headers: { authorization: "Bearer s3cret" } })
  ).json()) as { paths: Record<string, Record<string, unknown>> };
  assert.deepEqual(Object.keys(spec.paths["/digest/unsubscribe"] ?? {}), ["get", "post"]);

  const oneClick = await fetch(link, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: "List-Unsubscribe=One-Click",
  });
  assert.equal(oneClick.status, 200);
  assert.ok(store.get(s.id).unsubscribedAt);
  assert.equal((await fetch(link, { method: "POST" })).status, 200, "unsubscribing twice is still a success");
  assert.match(await (await fetch(link)).text(), /already unsubscribed/);
  assert.equal((await fetch(`${server.url}/digest/unsubscribe?token=${s.token.toUpperCase()}`)).status, 404);
});
