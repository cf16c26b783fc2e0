import assert from "node:assert/strict";
import { join } from "node:path";
import { test } from "node:test";
import { EQUAL_WEIGHTS } from "../idea/index.js";
import { IdeaStore } from "../ideas/index.js";
import { tempDir } from "../testing/index.js";
import { DIGEST_SCHEMA_VERSION, DigestStore, type Send, UNSUBSCRIBE_TOKEN } from "./index.js";

const fields = { query: "diffusion models", email: "ada@example.org", ideasPerPaper: 1, maxPapers: 5 };
const claim = (store: DigestStore, id: number, fromPk: number, toPk: number) =>
  store.claimSend({ subscriptionId: id, runId: "r1", fromPk, toPk, papers: 1, messageId: `<m${id}.${toPk}@x>` });

test("a subscription gets an unguessable token; the cursor moves only with a sent mail, in the same transaction", (t) => {
  const store = DigestStore.open(join(tempDir(t), "library.sqlite"));
  t.after(() => store.close());
  const s = store.subscribe({ ...fields, weights: EQUAL_WEIGHTS, cursorPk: 3 });
  const other = store.subscribe({ ...fields, weights: EQUAL_WEIGHTS, cursorPk: 3 });
  assert.match(s.token, UNSUBSCRIBE_TOKEN);
  assert.notEqual(s.token, other.token);
  assert.equal(s.cursorPk, 3);

  const send = claim(store, s.id, 3, 9) as Send;
  assert.equal(send.status, "sending");
  assert.equal(store.get(s.id).cursorPk, 3, "claiming does not move the cursor");
  assert.deepEqual(claim(store, s.id, 3, 9), { refused: "in-flight", send }, "one send per subscription at a time");
  store.markSent(send.id);
  assert.equal(store.get(s.id).cursorPk, 9);
  assert.equal(store.sends({ subscriptionId: s.id })[0]?.status, "sent");
  assert.throws(() => store.markSent(send.id), /not in flight/, "a send settles once");
  assert.deepEqual(claim(store, s.id, 3, 12), { refused: "cursor-moved", cursorPk: 9 }, "a stale range is refused");

  const failed = claim(store, other.id, 3, 9) as Send;
  store.markFailed(failed.id, "554 refused");
  assert.equal(store.get(other.id).cursorPk, 3, "a failed send leaves the cursor: the papers are tried again");
});

test("a send left in sending blocks its subscription until resolved; resolving moves past it without resending", (t) => {
  const store = DigestStore.open(join(tempDir(t), "library.sqlite"));
  t.after(() => store.close());
  const s = store.subscribe({ ...fields, weights: EQUAL_WEIGHTS, cursorPk: 0 });
  const stuck = claim(store, s.id, 0, 4) as Send;
  assert.deepEqual(
    store.stuckSends().map((x) => x.id),
    [stuck.id],
  );
  store.resolveStuck(stuck.id);
  assert.equal(store.stuckSends().length, 0);
  assert.equal(store.sends()[0]?.status, "unconfirmed");
  assert.equal(store.get(s.id).cursorPk, 4);
});

test("unsubscribe by token is idempotent, an unknown token finds nothing, and a claim after it is refused", (t) => {
  const store = DigestStore.open(join(tempDir(t), "library.sqlite"));
  t.after(() => store.close());
  const s = store.subscribe({ ...fields, weights: EQUAL_WEIGHTS, cursorPk: 0 });
  assert.equal(store.unsubscribe("0".repeat(32)), null);
  const first = store.unsubscribe(s.token)?.unsubscribedAt;
  assert.ok(first);
  assert.equal(store.unsubscribe(s.token)?.unsubscribedAt, first, "the first time is kept");
  assert.deepEqual(store.list({ active: true }), []);
  assert.deepEqual(claim(store, s.id, 0, 2), { refused: "unsubscribed" });
  assert.equal(store.remove(s.id).id, s.id);
  assert.throws(() => store.get(s.id), /not found/);
});

test("the digest tables share the library file with the idea history, each versioned on its own", (t) => {
  const path = join(tempDir(t), "library.sqlite");
  const ideas = IdeaStore.open(path);
  const a = DigestStore.open(path);
  a.subscribe({ ...fields, weights: EQUAL_WEIGHTS, cursorPk: 0 });
  a.close();
  const b = DigestStore.open(path); // reopening migrates nothing twice
  assert.equal(b.list().length, 1);
  assert.equal(DIGEST_SCHEMA_VERSION, 1);
  b.close();
  ideas.close();
});
