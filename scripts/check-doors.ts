#!/usr/bin/env -S node --import tsx
/**
 * The door check (DESIGN §2), run by `npm run lint` and so by `npm test`:
 *   1. an import from another src/ folder goes through that folder's index.ts (its only door);
 *   2. production code imports only folders above it in the DESIGN table, inference (`steer/`,
 *      `ideas/`) never imports training, and nothing but tests and benches imports `testing/`;
 *   3. every src/ folder is in the table, so a new folder gets a place before it gets imports.
 * Tests may import any folder's door (they exercise the layers together); benches import doors too.
 *
 * Usage: npx tsx scripts/check-doors.ts [root]   (exit 1 and one line per violation)
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";

/** The DESIGN §2 table, top to bottom: a folder may import only folders listed before it. */
export const LAYERS = [
  "core",
  "config",
  "library",
  "engine",
  "llm",
  "idea",
  "datasets",
  "judge",
  "reward",
  "steer",
  "train",
  "ideas",
  "eval",
  "digest",
  "server",
  "index.ts", // the package entry (src/index.ts): the public API of the folders below the server
  "cli",
] as const;
const INFERENCE = new Set(["steer", "ideas"]); // must not import training
const TESTING = "testing";

export type DoorViolation = { file: string; line: number; specifier: string; rule: string };

// import/export ... from "x", and import("x"): the specifier is all this check needs.
const SPECIFIER = /(?:\bfrom\s*|\bimport\s*\(\s*)"(\.{1,2}\/[^"]+)"/g;

/** Every door and layer violation under root (the repository root), in file order. */
export function checkDoors(root: string): DoorViolation[] {
  const src = join(root, "src");
  const files = [...listTs(src), ...listTs(join(root, "bench"))];
  return files.flatMap((file) => checkFile(root, src, file));
}

function checkFile(root: string, src: string, file: string): DoorViolation[] {
  const text = readFileSync(file, "utf8");
  const from = topFolder(src, file); // null for bench/
  const isTest = file.endsWith(".test.ts") || from === TESTING || from === null;
  const out: DoorViolation[] = [];
  const report = (index: number, specifier: string, rule: string) =>
    out.push({ file: relative(root, file), line: text.slice(0, index).split("\n").length, specifier, rule });

  const rootTest = from?.endsWith(".test.ts") ?? false; // src/*.test.ts: tests of the package as a whole
  if (from !== null && from !== TESTING && !rootTest && !(LAYERS as readonly string[]).includes(from))
    report(0, "", `folder src/${from} is not in the DESIGN §2 table (scripts/check-doors.ts LAYERS)`);
  for (const m of text.matchAll(SPECIFIER)) {
    const specifier = m[1] as string;
    const target = resolve(dirname(file), specifier);
    const to = topFolder(src, target);
    if (to === null || to === from) continue; // outside src/, or inside the same folder
    const door = to === "index.ts" ? "" : relative(join(src, to), target);
    if (to !== "index.ts" && door !== "index.js")
      report(m.index, specifier, `reaches past src/${to}/index.ts; import from its door`);
    if (isTest) continue;
    if (to === TESTING) report(m.index, specifier, "production code imports src/testing (test helpers only)");
    else if (INFERENCE.has(from ?? "") && to === "train")
      report(m.index, specifier, `inference (src/${from}) must not import training (src/train)`);
    else if (rank(to) >= rank(from ?? ""))
      report(m.index, specifier, `src/${from} may not import src/${to} (DESIGN §2 order)`);
  }
  return out;
}

const rank = (folder: string): number => {
  const i = (LAYERS as readonly string[]).indexOf(folder);
  return i < 0 ? Number.POSITIVE_INFINITY : i;
};

/** "engine" for src/engine/ops/x.ts, "index.ts" for src/index.ts, null outside src/. */
function topFolder(src: string, path: string): string | null {
  const r = relative(src, path);
  if (r.startsWith("..") || r === "") return null;
  const first = r.split(sep)[0] as string;
  return first.endsWith(".js") ? first.replace(/\.js$/, ".ts") : first;
}

function listTs(dir: string): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  return names.flatMap((n) => {
    const p = join(dir, n);
    if (statSync(p).isDirectory()) return listTs(p);
    return n.endsWith(".ts") && !n.endsWith(".d.ts") ? [p] : [];
  });
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const root = resolve(process.argv[2] ?? join(dirname(fileURLToPath(import.meta.url)), ".."));
  const violations = checkDoors(root);
  for (const v of violations) console.error(`${v.file}:${v.line}: ${v.specifier ? `"${v.specifier}" ` : ""}${v.rule}`);
  if (violations.length > 0) {
    console.error(`door check: ${violations.length} violation(s)`);
    process.exit(1);
  }
  console.log("door check: every import goes through a door, in DESIGN order");
}
