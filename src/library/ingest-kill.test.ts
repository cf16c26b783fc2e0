import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { createWriteStream, existsSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import Database from "better-sqlite3";
import { requireSharedData, sharedPath, tempDir } from "../testing/index.js";
import { readLines } from "./parsers/line-reader.js";
import { PaperStore } from "./store/paper-store.js";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const RECORDS = 12_000;
const BATCH = 400;
const KILL_AFTER = 1_600; // papers committed before the SIGKILL (4 batches)

function runCli(home: string, args: string[]) {
  const child = spawn(
    process.execPath,
    ["--import", "tsx", "src/cli/main.ts", "--home", home, "--log-level", "warn", ...args],
    {
      cwd: ROOT,
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d) => (stdout += d));
  child.stderr.on("data", (d) => (stderr += d));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>(
    (res) => child.on("close", (code, signal) => res({ code, signal, stdout, stderr })),
  );
  return { child, exited };
}

test("kill -9 mid-ingest leaves a consistent library; the same command then completes it without duplicates", {
  timeout: 180_000,
}, async (t) => {
  if (!requireSharedData(t)) return;
  const dir = tempDir(t);
  const input = join(dir, "papers-12k.jsonl");
  const out = createWriteStream(input);
  let n = 0;
  for await (const l of readLines({ file: sharedPath("papers.jsonl.gz"), maxLineBytes: 1 << 24 })) {
    if ("tooLong" in l) continue;
    if (!out.write(`${l.text}\n`)) await new Promise<void>((r) => out.once("drain", () => r()));
    if (++n === RECORDS) break;
  }
  await new Promise<void>((r) => out.end(() => r()));
  const home = join(dir, "home");
  const db = join(home, "library.sqlite");

  const first = runCli(home, ["library", "add", input, "--batch-size", String(BATCH), "--no-progress"]);
  let killedAt = -1;
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline && first.child.exitCode === null) {
    await new Promise((r) => setTimeout(r, 25));
    if (!existsSync(db)) continue;
    try {
      const ro = new Database(db, { readonly: true });
      const count = (ro.prepare("SELECT count(*) AS n FROM papers").get() as { n: number }).n;
      ro.close();
      if (count >= KILL_AFTER) {
        first.child.kill("SIGKILL");
        killedAt = count;
        break;
      }
    } catch {
      // The schema may not exist yet on the first polls.
    }
  }
  const r1 = await first.exited;
  assert.equal(r1.signal, "SIGKILL", `the ingest ended before it could be killed (code ${r1.code}): ${r1.stderr}`);
  assert.ok(killedAt >= KILL_AFTER);

  const store = PaperStore.open(db);
  const afterKill = store.count();
  const peek = new Database(db, { readonly: true });
  const progress = peek.prepare("SELECT records_done, completed FROM ingest_progress").all();
  peek.close();
  assert.equal(store.integrityCheck(), "ok");
  assert.ok(afterKill >= KILL_AFTER && afterKill < RECORDS, `count after kill: ${afterKill}`);
  assert.equal(afterKill % BATCH, 0, "only whole batches are committed");
  assert.deepEqual(progress, [{ records_done: afterKill, completed: 0 }], "the checkpoint matches the committed rows");
  store.close();

  const second = await runCli(home, ["library", "add", input, "--batch-size", String(BATCH), "--no-progress"]).exited;
  assert.equal(second.code, 0, second.stderr);
  assert.match(second.stdout, new RegExp(`resumed after record ${afterKill}`));
  assert.match(second.stdout, new RegExp(`${RECORDS - afterKill} new, 0 updated`));

  const final = PaperStore.open(db, { readonly: true });
  t.after(() => final.close());
  assert.equal(final.count(), RECORDS, "the same count as a clean ingest of the file");
  assert.equal(final.integrityCheck(), "ok");
  const ro = new Database(db, { readonly: true });
  t.after(() => ro.close());
  const distinct = ro
    .prepare("SELECT count(DISTINCT id) AS ids, count(DISTINCT title_norm) AS titles FROM papers")
    .get();
  assert.deepEqual(distinct, { ids: RECORDS, titles: RECORDS });
  const ftsRows = (ro.prepare("SELECT count(*) AS n FROM papers_fts_docsize").get() as { n: number }).n;
  assert.equal(ftsRows, RECORDS, "the FTS index holds each paper once");
  assert.equal(final.search("Flash3D Feed-Forward Generalisable 3D Scene Reconstruction")[0]?.id, "3dv2025/05T81ScPFb");
});
