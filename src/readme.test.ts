import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";

/**
 * README.md's shell blocks run as written, in order, from the checkout, against a fresh
 * IDEASTEER_HOME. A block preceded by `<!-- readme-test: skip (reason) -->` is not run; the reason
 * says why (a model download, a server, minutes of training, or npm ci/npm test themselves).
 */
const ROOT = fileURLToPath(new URL("..", import.meta.url));
const SKIP_MARK = /<!--\s*readme-test:\s*skip\s*\(([^)]+)\)\s*-->\s*$/;

export type ReadmeBlock = { line: number; code: string; skip: string | null };

/** The ```sh blocks of a Markdown text, with the skip reason of each (null when it runs). */
export function shellBlocks(markdown: string): ReadmeBlock[] {
  const lines = markdown.split("\n");
  const blocks: ReadmeBlock[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (lines[i]?.trim() !== "```sh") continue;
    const end = lines.findIndex((l, j) => j > i && l.trim() === "```");
    const before =
      lines
        .slice(0, i)
        .reverse()
        .find((l) => l.trim() !== "") ?? "";
    blocks.push({ line: i + 1, code: lines.slice(i + 1, end).join("\n"), skip: before.match(SKIP_MARK)?.[1] ?? null });
    i = end;
  }
  return blocks;
}

test("shellBlocks finds each sh block and its skip reason", () => {
  const md =
    "# t\n```sh\necho a\n```\n<!-- readme-test: skip (needs a model) -->\n```sh\necho b\n```\n```json\n{}\n```\n";
  assert.deepEqual(shellBlocks(md), [
    { line: 2, code: "echo a", skip: null },
    { line: 6, code: "echo b", skip: "needs a model" },
  ]);
});

const hasData = existsSync(join(ROOT, "..", "shared", "data", "papers.jsonl.gz"));
test("every README shell block that needs no model download runs as written", {
  skip: hasData ? false : "../shared/data is absent: the README's commands read it",
  timeout: 15 * 60_000,
}, (t) => {
  const blocks = shellBlocks(readFileSync(join(ROOT, "README.md"), "utf8"));
  const home = mkdtempSync(join(tmpdir(), "ideasteer-readme-"));
  t.after(() => rmSync(home, { recursive: true, force: true }));
  const run = blocks.filter((b) => b.skip === null);
  assert.ok(run.length >= 2, "the README has runnable blocks");
  for (const b of blocks) if (b.skip !== null) t.diagnostic(`README.md:${b.line} skipped: ${b.skip}`);
  for (const b of run) {
    const r = spawnSync("bash", ["-eo", "pipefail", "-c", b.code], {
      cwd: ROOT,
      encoding: "utf8",
      env: { ...process.env, IDEASTEER_HOME: home, NO_COLOR: "1" },
      maxBuffer: 64 << 20,
    });
    assert.equal(r.status, 0, `README.md:${b.line} failed (exit ${r.status}):\n${b.code}\n${r.stderr.slice(-2000)}`);
    assert.notEqual(r.stdout.trim(), "", `README.md:${b.line} printed nothing`);
  }
});
