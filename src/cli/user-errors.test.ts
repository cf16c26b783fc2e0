import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { createServer } from "node:net";
import { join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { requireSharedData, sharedPath, tempDir } from "../testing/index.js";

/** Issue 14, defects 5 and 9: what a user sees when something ordinary goes wrong. */
const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const CLI = ["--import", "tsx", join(ROOT, "src/cli/main.ts")];
const run = (args: string[]) =>
  spawnSync(process.execPath, [...CLI, ...args], {
    cwd: ROOT,
    encoding: "utf8",
    env: { ...process.env, NO_COLOR: "1" },
  });
const STACK_LINE = /^\s+at .+\(?.*:\d+:\d+\)?$/m;

test("ordinary user errors print one line with the fix, never a stack trace", async (t) => {
  const home = tempDir(t);
  const badFlag = run(["--home", home, "library", "search", "x", "--limit", "abc"]);
  assert.notEqual(badFlag.status, 0);
  assert.match(badFlag.stderr, /--limit must be a non-negative integer, got "abc"/);
  assert.doesNotMatch(badFlag.stderr, STACK_LINE, badFlag.stderr);

  const missing = run(["--home", home, "judge", join(home, "no-such-idea.txt"), "--no-llm"]);
  assert.equal(missing.status, 1);
  assert.match(missing.stderr, /^error: no such file or directory: .*no-such-idea\.txt\nhint: check the path/m);
  assert.doesNotMatch(missing.stderr, STACK_LINE, missing.stderr);

  const busy = createServer();
  await new Promise<void>((res) => busy.listen(0, "127.0.0.1", res));
  t.after(() => busy.close());
  const port = (busy.address() as { port: number }).port;
  const serve = run(["--home", home, "serve", "--port", String(port), "--backend", "builtin"]);
  assert.equal(serve.status, 1);
  assert.match(serve.stderr, new RegExp(`address 127\\.0\\.0\\.1:${port} is already in use\\nhint: .*--port`));
  assert.doesNotMatch(serve.stderr, STACK_LINE, serve.stderr);
  assert.doesNotMatch(serve.stderr, /n_ctx_seq .* > n_ctx_train/, "the builtin model's context is sized to it");
});

test("judge without a configured model says which it would use, prints retrieval novelty, and exits 1", (t) => {
  if (!requireSharedData(t)) return;
  const home = tempDir(t);
  assert.equal(run(["--home", home, "library", "add", sharedPath("seed", "hf-papers-listing.txt")]).status, 0);
  const r = run(["--home", home, "judge", join(ROOT, "examples", "idea.txt")]);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /no judge model is configured, so the builtin backend runs/);
  assert.match(r.stderr, /--backend llama --model-path/);
  assert.match(r.stdout, /^retrieval novelty \(tfidf, top \d+\): 0\.\d{3}; nearest /m);
  assert.match(r.stderr, /^error: the LLM judge gave no score: /m);
  assert.doesNotMatch(r.stderr, STACK_LINE, r.stderr);
});

test("Ctrl-C during library add says how to continue and exits 130", async (t) => {
  if (!requireSharedData(t)) return;
  const home = tempDir(t);
  const child = spawn(process.execPath, [...CLI, "--home", home, "library", "add", sharedPath("papers.jsonl.gz")], {
    cwd: ROOT,
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  child.stderr.on("data", (d) => {
    stderr += d;
  });
  // Interrupt once the ingest is under way (its first log line), not while node is still starting.
  await new Promise<void>((res) => child.stderr.once("data", () => res()));
  child.kill("SIGINT");
  const code = await new Promise<number | null>((res) => child.on("exit", (c) => res(c)));
  assert.equal(code, 130, stderr);
  assert.match(stderr, /interrupted: .*rerun the same command to continue/);
});
