import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import type { Paper, SearchHit } from "../../library/index.js";
import { parsers } from "../../library/index.js";
import { requireSharedData, sharedPath, tempDir } from "../../testing/index.js";

const ROOT = fileURLToPath(new URL("../../../", import.meta.url));

type Run = { code: number; stdout: string; stderr: string };
/** The real CLI in a child process, as a user runs it (TypeScript through tsx). */
function cli(args: string[], env: NodeJS.ProcessEnv = {}): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ["--import", "tsx", "src/cli/main.ts", ...args],
      { cwd: ROOT, env: { ...process.env, ...env }, maxBuffer: 16 << 20 },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === "number" ? err.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

test("library add / search / show / similar / stats through the real CLI on a temp --home", {
  timeout: 120_000,
}, async (t) => {
  if (!requireSharedData(t)) return;
  const dir = tempDir(t);
  const home = join(dir, "home");
  const input = join(dir, "papers.jsonl");
  const records: { id: string; title: string }[] = [];
  const lines: string[] = [];
  for await (const l of parsers.readLines({ file: sharedPath("papers.jsonl.gz"), maxLineBytes: 1 << 24 })) {
    if ("tooLong" in l) continue;
    lines.push(l.text);
    records.push(JSON.parse(l.text) as { id: string; title: string });
    if (lines.length === 300) break;
  }
  writeFileSync(input, `${lines.join("\n")}\n`);
  const md = sharedPath("fulltext-sample", "09BPzrMcKg.pdf.md");

  const add = await cli(["--home", home, "--log-level", "warn", "library", "add", input, md]);
  assert.equal(add.code, 0, add.stderr);
  assert.match(add.stdout, /total: 301 new, 0 updated, 0 unchanged, 0 skipped .* library holds 301 papers/);

  const target = records[42]!;
  // IDEASTEER_HOME picks the library as --home does.
  const [search, show, similar, stats, again] = await Promise.all([
    cli(["library", "search", target.title, "--json", "--limit", "3"], { IDEASTEER_HOME: home }),
    cli(["--home", home, "library", "show", target.id, "--json"]),
    cli(["--home", home, "library", "similar", target.id, "--json", "--limit", "3"]),
    cli(["--home", home, "library", "stats", "--json"]),
    cli(["--home", home, "--log-level", "warn", "library", "add", input]),
  ]);
  assert.equal(search.code, 0, search.stderr);
  const hits = JSON.parse(search.stdout) as SearchHit[];
  assert.equal(hits[0]?.id, target.id);
  assert.ok(hits.every((h) => typeof h.score === "number" && typeof h.snippet === "string" && h.title.length > 0));

  assert.equal(show.code, 0, show.stderr);
  const paper = JSON.parse(show.stdout) as Paper;
  assert.equal(paper.id, target.id);
  assert.equal(paper.title, target.title);

  assert.equal(similar.code, 0, similar.stderr);
  const like = JSON.parse(similar.stdout) as SearchHit[];
  assert.equal(like.length, 3);
  assert.ok(like.every((h) => h.id !== target.id));

  assert.equal(stats.code, 0, stats.stderr);
  const s = JSON.parse(stats.stdout) as { papers: number; bySource: Record<string, number> };
  assert.equal(s.papers, 301);
  assert.deepEqual(s.bySource, { jsonl: 300, markdown: 1 });

  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stdout, /already ingested/);

  const text = await cli(["--home", home, "library", "search", "gaussian splatting", "--limit", "2"]);
  assert.equal(text.code, 0, text.stderr);
  assert.match(text.stdout, /^1\. .+\n {3}\S+ {2}score \d+\.\d+\n {3}.*\*\*(gaussian|splatting)\*\*/im);
  const missing = await cli(["--home", home, "library", "show", "no/such-paper"]);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /no paper with id no\/such-paper/);

  // Dense and hybrid need the index, and say how to build it; then all three modes answer.
  const noIndex = await cli(["--home", home, "library", "search", target.title, "--mode", "hybrid"]);
  assert.equal(noIndex.code, 1);
  assert.match(noIndex.stderr, /needs the dense index[\s\S]*ideasteer library index/);
  const index = await cli(["--home", home, "library", "index", "--no-progress"]);
  assert.equal(index.code, 0, index.stderr);
  assert.match(
    index.stdout,
    /embedded 301 papers \(new model\)\n301 of 301 papers indexed, 0 pending; model [0-9a-f]{16}/,
  );
  const incremental = await cli(["--home", home, "library", "index", "--no-progress"]);
  assert.match(incremental.stdout, /^embedded 0 papers\n/, "a second build has nothing to do");
  for (const mode of ["bm25", "dense", "hybrid"]) {
    const r = await cli(["--home", home, "library", "search", target.title, "--mode", mode, "--json", "--limit", "3"]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal((JSON.parse(r.stdout) as SearchHit[])[0]?.id, target.id, `${mode} finds a paper by its title`);
  }
  const bogus = await cli(["--home", home, "library", "search", "x", "--mode", "semantic"]);
  assert.equal(bogus.code, 1);
  assert.match(bogus.stderr, /unknown --mode "semantic"/);
});

test("bad input: skipped and counted with exit 1; --strict stops with file and line", {
  timeout: 60_000,
}, async (t) => {
  const dir = tempDir(t);
  const home = join(dir, "home");
  const bad = join(dir, "bad.jsonl");
  writeFileSync(
    bad,
    ['{"id": "a/1", "title": "Good one"}', '"just a string"', '{"id": "a/2", "title": "Good two"}'].join("\n"),
  );
  const [skip, strict, help] = await Promise.all([
    cli(["--home", home, "--log-level", "warn", "library", "add", bad]),
    cli(["--home", join(dir, "home2"), "library", "add", bad, "--strict"]),
    cli(["library", "add", "--help"]),
  ]);
  assert.equal(skip.code, 1);
  assert.match(skip.stdout, /2 new, .*1 bad records skipped/);
  assert.match(skip.stderr, /bad\.jsonl:line 2:byte 35: expected a JSON object, got string/);
  assert.equal(strict.code, 1);
  assert.match(strict.stderr, /^error: .*bad\.jsonl:line 2:byte 35: expected a JSON object/m);
  assert.match(strict.stderr, /hint: /);
  assert.match(help.stdout, /Examples:\n {2}\$ ideasteer library add/);
});
