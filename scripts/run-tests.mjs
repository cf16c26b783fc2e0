#!/usr/bin/env node
// Runs every src/**/*.test.ts and scripts/*.test.ts with node's own test runner (TypeScript through
// tsx), one `node --test` process per file, TEST_CONCURRENCY (default 2) at a time, so each file's
// wall time is measured whole (module load and before() hooks included). Each file's report is
// printed when it ends; then the slowest files, the total, and one closing line
// "N passed, N failed, N skipped".
// Usage: node scripts/run-tests.mjs [path-prefix ...]   e.g. src/library
import { spawn } from "node:child_process";
import { readdirSync, statSync } from "node:fs";
import { join, relative } from "node:path";

const root = new URL("..", import.meta.url).pathname;
const prefixes = process.argv.slice(2).map((p) => relative(root, join(process.cwd(), p)));

function find(dir) {
  const out = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...find(p));
    else if (name.endsWith(".test.ts")) out.push(relative(root, p));
  }
  return out;
}

const files = [...find(join(root, "src")), ...find(join(root, "scripts"))]
  .filter((f) => prefixes.length === 0 || prefixes.some((p) => f.startsWith(p)))
  .sort();
if (files.length === 0) {
  console.error("no test files matched");
  process.exit(1);
}
const concurrency = Math.max(1, Number(process.env.TEST_CONCURRENCY ?? "2"));
// A file that runs past this is killed and reported failed: a hung test must fail the run, not stall CI for good.
const fileTimeoutS = Math.max(1, Number(process.env.TEST_FILE_TIMEOUT_S ?? "900"));

/** Runs one file; resolves with its output, exit code, wall time and the counts its reporter printed. */
function runFile(file) {
  return new Promise((done) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, ["--import", "tsx", "--test", "--test-reporter=spec", file], {
      cwd: root,
      env: { ...process.env, NODE_NO_WARNINGS: "1", FORCE_COLOR: process.stdout.isTTY ? "1" : "0" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (d) => (output += d));
    child.stderr.on("data", (d) => (output += d));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill("SIGKILL");
    }, fileTimeoutS * 1000);
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      const count = (key) => Number(output.match(new RegExp(`^ℹ ${key} (\\d+)$`, "m"))?.[1] ?? 0);
      done({
        file,
        output,
        ok: code === 0,
        why: timedOut
          ? `killed after ${fileTimeoutS} s (TEST_FILE_TIMEOUT_S)`
          : signal
            ? `killed by ${signal}`
            : `exit ${code}`,
        seconds: (performance.now() - t0) / 1000,
        pass: count("pass"),
        fail: count("fail") + count("cancelled"),
        skipped: count("skipped") + count("todo"),
      });
    });
  });
}

const t0 = performance.now();
const results = [];
const queue = [...files];
await Promise.all(
  Array.from({ length: Math.min(concurrency, files.length) }, async () => {
    for (let file = queue.shift(); file; file = queue.shift()) {
      const r = await runFile(file);
      results.push(r);
      process.stdout.write(`\n▶ ${file} (${r.seconds.toFixed(1)} s)\n${r.output}`);
      if (!r.ok && r.fail === 0) process.stdout.write(`✖ ${file}: ${r.why} with no failing test reported\n`);
    }
  }),
);
const totalS = (performance.now() - t0) / 1000;

const sum = (k) => results.reduce((a, r) => a + r[k], 0);
const failedFiles = results.filter((r) => !r.ok);
const slowest = [...results].sort((a, b) => b.seconds - a.seconds);
console.log(`\nTest time per file (wall s, ${concurrency} at a time; slowest first):`);
for (const r of slowest) console.log(`${r.seconds.toFixed(1).padStart(7)}  ${r.ok ? " " : "✖"} ${r.file}`);
const fileSeconds = results.reduce((a, r) => a + r.seconds, 0);
console.log(
  `total: ${totalS.toFixed(1)} s wall for ${results.length} files (${fileSeconds.toFixed(1)} s summed over files)`,
);
for (const r of failedFiles) console.log(`failed: ${r.file} (${r.why})`);
// A file that failed without a failing test (a crash at import) still counts as one failure.
const failed = sum("fail") + failedFiles.filter((r) => r.fail === 0).length;
console.log(`${sum("pass")} passed, ${failed} failed, ${sum("skipped")} skipped`);
process.exit(failedFiles.length > 0 ? 1 : 0);
