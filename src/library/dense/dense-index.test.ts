import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import Database from "better-sqlite3";
import { CorruptFileError } from "../../core/index.js";
import { openSampleLibrary, requireSharedData, tempDir } from "../../testing/index.js";
import { DenseIndex, newPaper, PaperStore, searchLibrary } from "../index.js";

const CHILD = fileURLToPath(new URL("./build-child.fixture.ts", import.meta.url));

async function sampleLibrary(t: import("node:test").TestContext, every = 40): Promise<PaperStore> {
  const store = await openSampleLibrary(tempDir(t), { every }); // ~2,900 real papers
  t.after(() => store.close());
  return store;
}

test("the dense index finds papers by meaning; hybrid fuses it with BM25", { timeout: 120_000 }, async (t) => {
  if (!requireSharedData(t)) return;
  const store = await sampleLibrary(t);
  const dense = DenseIndex.open(store.path);
  t.after(() => dense.close());
  const built = await dense.build({ fit: { dim: 64 } });
  assert.equal(built.fitted, true);
  assert.equal(built.embedded, store.count());
  assert.deepEqual(dense.status().pending, 0);
  // A paper's own abstract (no title) finds it first: the vectors carry what a paper is about.
  const probes = store.search("reinforcement learning", { limit: 20 }).map((h) => store.get(h.id));
  let first = 0;
  for (const p of probes) {
    if (!p) continue;
    const [top] = store.hitsByPk(dense.search(p.abstract, 1));
    if (top?.id === p.id) first++;
  }
  assert.ok(first >= 15, `${first} of ${probes.length} abstracts find their own paper first`);
  const hybrid = searchLibrary(store, dense, (probes[0]?.title ?? "").toLowerCase(), { mode: "hybrid", limit: 5 });
  assert.equal(hybrid[0]?.id, probes[0]?.id);
  assert.deepEqual(searchLibrary(store, dense, "zzzqqq", { mode: "dense" }), [], "no known word: no vector, no hits");
  // An absurd query costs no more than its first MAX_QUERY_CHARS characters.
  const t0 = performance.now();
  searchLibrary(store, dense, "learning ".repeat(600_000), { mode: "hybrid" });
  assert.ok(performance.now() - t0 < 5_000, "a 5 MB query is cut, not read whole");
});

test("builds are incremental: only new or changed papers are embedded; deleted ones leave", async (t) => {
  if (!requireSharedData(t)) return;
  const store = await sampleLibrary(t, 200);
  const dense = DenseIndex.open(store.path);
  t.after(() => dense.close());
  await dense.build({ fit: { dim: 16 } });
  assert.equal((await dense.build()).embedded, 0, "nothing new, nothing embedded");
  const [a, b] = store.search("learning", { limit: 2 }).map((h) => store.get(h.id));
  store.upsert([
    newPaper({ id: "new/1", title: "Brand new paper on graph learning", abstract: "Graphs.", source: "jsonl" }),
    { ...(a as NonNullable<typeof a>), abstract: `${a?.abstract} Revised.` },
  ]);
  const again = await dense.build();
  assert.equal(again.embedded, 2, "the new paper and the changed one");
  assert.equal(again.fitted, false, "the model is kept");
  assert.equal(dense.status().pending, 0);
  // A paper merged away (deleted row) loses its vector.
  const raw = new Database(store.path);
  raw.prepare("DELETE FROM papers WHERE id = ?").run(b?.id);
  raw.close();
  assert.equal((await dense.build()).removed, 1);
});

test("a killed build resumes: the second run embeds only what the first did not commit", {
  timeout: 120_000,
}, async (t) => {
  if (!requireSharedData(t)) return;
  const store = await sampleLibrary(t, 40);
  const total = store.count();
  // First run: killed (SIGKILL) once three batches of 100 are committed.
  const child = spawn(process.execPath, ["--import", "tsx", CHILD, store.path, "100"], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  let out = "";
  await new Promise<void>((resolve) => {
    child.stdout.on("data", (d: Buffer) => {
      out += d.toString();
      if (/embedded 300\n/.test(out)) child.kill("SIGKILL");
    });
    child.on("exit", () => resolve());
  });
  assert.doesNotMatch(out, /^done/m, "the first run was killed before it finished");
  const dense = DenseIndex.open(store.path);
  t.after(() => dense.close());
  const kept = dense.status().indexed;
  assert.ok(kept >= 300 && kept < total, `${kept} vectors survived the kill`);
  const resumed = await dense.build();
  assert.equal(resumed.fitted, false, "the fitted model survived too");
  assert.equal(resumed.embedded, total - kept, "a resume, not a restart");
  assert.equal(dense.status().indexed, total);
});

test("a truncated model is reported as corrupt, with the command that rebuilds it", async (t) => {
  const dir = tempDir(t);
  const path = join(dir, "library.sqlite");
  const store = PaperStore.open(path);
  store.upsert(
    ["alpha beta gamma", "beta gamma delta", "gamma delta alpha", "delta alpha beta"].map((w, i) =>
      newPaper({ id: `p/${i}`, title: w, abstract: `${w} ${w}`, source: "jsonl" }),
    ),
  );
  store.close();
  const dense = DenseIndex.open(path);
  await dense.build({ fit: { dim: 2, minDf: 1 } });
  dense.close();
  for (const blob of ["x'00'", "x'00000000'"]) {
    const raw = new Database(path);
    raw.prepare(`UPDATE dense_model SET projection = ${blob}`).run();
    raw.close();
    const again = DenseIndex.open(path);
    assert.throws(
      () => again.search("alpha", 1),
      (e: unknown) => e instanceof CorruptFileError && /--refit/.test(e.hint ?? ""),
      blob,
    );
    again.close();
  }
});
