import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { fileURLToPath } from "node:url";
import { main } from "../cli/index.js";
import { silentLogger } from "../core/index.js";
import { DIMENSIONS, parseIdea } from "../idea/index.js";
import { hasSharedData, SHARED_DATA, sharedPath } from "../testing/index.js";
import { type BuildOptions, buildDatasets } from "./build-datasets.js";
import type { RmRow } from "./build-rm-rows.js";
import type { SftRow } from "./build-sft-pairs.js";
import type { DatasetCard } from "./dataset-card.js";
import { clearUnfinishedBuild, isFinishedDataset, newestDataset } from "./dataset-folders.js";
import { fieldFillOf } from "./field-fill.js";
import { sha256File, sha256Text } from "./hash-file.js";
import { SPLITS, type SplitName } from "./split-by-component.js";
import { summarize } from "./stats.js";

// One subset build through the CLI and one through the API, same seed: the tests below read their files.
const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const LIMIT = 80;
const SEED = 5;
// What the CLI's `data build --limit 80 --seed 5` builds, as API options (home and outDir per test).
const BUILD = {
  dataDir: SHARED_DATA,
  seed: SEED,
  limit: LIMIT,
  extractor: "offline",
  supportPicker: "top1",
  topK: 10,
  extraSupporting: 2,
  ratios: { train: 0.8, val: 0.1, test: 0.1 },
  confidenceWeighted: false,
  llmRetries: 2,
  log: silentLogger,
  progress: { enabled: false },
} as const satisfies Omit<BuildOptions, "home">;
let dirA = "";
let dirB = "";
let root = "";
after(() => {
  if (root) rmSync(root, { recursive: true, force: true });
});

before(async () => {
  if (!hasSharedData()) return;
  root = mkdtempSync(join(tmpdir(), "ideasteer-datasets-"));
  dirA = join(root, "a");
  dirB = join(root, "b");
  const home = join(root, "home");
  const argv = ["node", "ideasteer", "--home", home, "--log-level", "silent", "data", "build"];
  const code = await main([
    ...argv,
    "--limit",
    String(LIMIT),
    "--seed",
    String(SEED),
    "--out",
    dirA,
    "--no-progress",
    "--extra-supporting",
    "2",
  ]);
  assert.equal(code, 0);
  await buildDatasets({ ...BUILD, home, outDir: dirB });
});

const readJsonl = <T>(dir: string, name: string): T[] =>
  readFileSync(join(dir, name), "utf8")
    .split("\n")
    .filter((l) => l !== "")
    .map((l) => JSON.parse(l) as T);
const card = (dir: string) => JSON.parse(readFileSync(join(dir, "card.json"), "utf8")) as DatasetCard;

test("rebuilding with the same seed gives byte-identical files (CLI and API)", (t) => {
  if (!dirA) return t.skip("../shared/data absent");
  const names = readdirSync(dirA).sort();
  assert.deepEqual(names, readdirSync(dirB).sort());
  assert.equal(names.length, 3 + 9 + 2 + 1); // sft, rm, card, sft-extra.train
  for (const n of names) assert.ok(readFileSync(join(dirA, n)).equals(readFileSync(join(dirB, n))), `${n} differs`);
});

test("no paper is in two splits, as citing paper P, supporting paper S or reward-model paper", (t) => {
  if (!dirA) return t.skip("../shared/data absent");
  const splitOf = new Map<string, SplitName>();
  const claim = (id: string, s: SplitName, role: string) => {
    const prev = splitOf.get(id);
    assert.ok(prev === undefined || prev === s, `${id} (${role}) is in ${prev} and ${s}`);
    splitOf.set(id, s);
  };
  let sftPapers = new Set<string>();
  let overlap = 0;
  for (const s of SPLITS) {
    for (const r of readJsonl<SftRow>(dirA, `sft.${s}.jsonl`)) {
      claim(r.id, s, "P");
      claim(r.supportingId, s, "S");
      sftPapers = sftPapers.add(r.id).add(r.supportingId);
    }
  }
  for (const d of DIMENSIONS)
    for (const s of SPLITS)
      for (const r of readJsonl<RmRow>(dirA, `rm.${d}.${s}.jsonl`)) {
        if (sftPapers.has(r.paperId)) overlap++;
        claim(r.paperId, s, `rm.${d}`);
      }
  assert.ok(overlap > 20, `the subset links SFT and RM papers (${overlap} RM rows), so the check has teeth`);
  const c = card(dirA);
  assert.ok(c.split.largestComponent >= 2, "some supporting paper is shared or chained");
  for (const s of SPLITS) assert.equal(c.split.papers[s], [...splitOf.values()].filter((x) => x === s).length, s);
  // Extra pairs (another candidate as the paper) are training rows: none of their papers is in val or test.
  const extra = readJsonl<SftRow>(dirA, "sft-extra.train.jsonl");
  assert.ok(extra.length > 20, `extra pairs written (${extra.length})`);
  const trainIds = new Set(readJsonl<SftRow>(dirA, "sft.train.jsonl").map((r) => r.id));
  for (const r of extra) {
    assert.ok(trainIds.has(r.id), `${r.id}: an extra pair's idea is a training pair's idea`);
    claim(r.id, "train", "P (extra)");
    claim(r.supportingId, "train", "S' (extra)");
  }
});

test("the card's figures match a recount of the written files", async (t) => {
  if (!dirA) return t.skip("../shared/data absent");
  const c = card(dirA);
  assert.equal(c.options.seed, SEED);
  assert.equal(c.options.limit, LIMIT);
  assert.match(c.version, /^v1-[0-9a-f]{12}$/);
  for (const i of c.inputs) assert.equal(i.sha256, await sha256File(sharedPath(i.file)), i.file);
  for (const f of c.files) {
    const text = readFileSync(join(dirA, f.name), "utf8");
    assert.equal(text.split("\n").filter((l) => l !== "").length, f.rows, f.name);
    assert.equal(Buffer.byteLength(text), f.bytes, f.name);
    assert.equal(sha256Text(text), f.sha256, f.name);
  }
  const sft = SPLITS.flatMap((s) => readJsonl<SftRow>(dirA, `sft.${s}.jsonl`));
  for (const s of SPLITS) assert.equal(c.sft.rows[s], readJsonl(dirA, `sft.${s}.jsonl`).length);
  assert.equal(c.sources.citingPapersRead, LIMIT);
  assert.equal(sft.length + Object.values(c.sft.skipped).reduce((a, b) => a + b, 0), LIMIT);
  assert.equal(c.supporting.selection.top1, sft.length);
  assert.deepEqual(c.sft.fieldFill, fieldFillOf(sft.map((r) => parseIdea(r.target))));
  for (const r of sft) {
    assert.match(r.prompt, /^<\|paper\|>Title: [^\n]+\nAbstract: [^\n]+<\|idea\|>$/);
    assert.ok(r.candidates.includes(r.supportingId) && r.candidates.length <= 10);
    assert.notEqual(r.id, r.supportingId);
  }
  for (const d of DIMENSIONS) {
    const rows = SPLITS.flatMap((s) => readJsonl<RmRow>(dirA, `rm.${d}.${s}.jsonl`));
    for (const s of SPLITS) assert.equal(c.rm[d].rows[s], readJsonl(dirA, `rm.${d}.${s}.jsonl`).length);
    assert.deepEqual(c.rm[d].label, summarize(rows.map((r) => r.label)), d);
    const venues = [...new Set(rows.map((r) => `${r.venue} ${r.year}`))].sort();
    assert.deepEqual(Object.keys(c.rm[d].byVenue), venues);
    for (const v of venues)
      assert.deepEqual(
        c.rm[d].byVenue[v],
        summarize(rows.filter((r) => `${r.venue} ${r.year}` === v).map((r) => r.label)),
      );
    assert.equal(c.rm[d].textSource.goldenIdea, rows.filter((r) => r.textSource === "golden-idea").length);
    assert.equal(c.rm[d].skippedNoLabel, c.sources.reviewRowsUsed - rows.length);
    for (const r of rows) {
      assert.ok(r.label >= 0 && r.label <= 1 && r.reviewers >= 1);
      parseIdea(r.text);
    }
  }
  const md = readFileSync(join(dirA, "card.md"), "utf8");
  assert.match(md, new RegExp(`sft \\| ${c.sft.rows.train} \\| ${c.sft.rows.val} \\| ${c.sft.rows.test} \\|`));
});

test("a killed build's litter is cleared at the next run; an unfinished version is never taken for a dataset", async (t) => {
  if (!dirA) return t.skip("../shared/data absent");
  const home = join(root, "home-litter");
  // What kill -9 left: a version folder written up to a temporary, never given its card.
  const unfinished = join(home, "datasets", "v1-0123456789ab");
  mkdirSync(unfinished, { recursive: true });
  writeFileSync(join(unfinished, "rm.effectiveness.train.jsonl"), "{}\n");
  writeFileSync(join(unfinished, "sft.train.jsonl.tmp-4242-1733389200000"), "half a file");
  assert.equal(newestDataset(home, "rm.effectiveness.train.jsonl"), null, "no card: not a dataset");

  const r = await buildDatasets({ ...BUILD, home });
  assert.equal(existsSync(unfinished), false, "the unfinished version folder is gone");
  assert.equal(newestDataset(home, "rm.effectiveness.train.jsonl"), r.outDir);

  // A rebuild in place: its own temporaries and old card go first, so until the new card lands it is unfinished.
  writeFileSync(join(r.outDir, "card.md.tmp-4242-1733389200001"), "x");
  const removed = clearUnfinishedBuild({ outDir: r.outDir, log: silentLogger });
  assert.deepEqual(removed.map((p) => p.slice(r.outDir.length + 1)).sort(), [
    "card.json",
    "card.md",
    "card.md.tmp-4242-1733389200001",
  ]);
  assert.equal(isFinishedDataset(r.outDir), false);
});

test("data build killed with SIGKILL mid-write: the next run leaves one finished version and no litter", async (t) => {
  if (!dirA) return t.skip("../shared/data absent");
  const home = join(root, "home-kill");
  const datasets = join(home, "datasets");
  const cli = [join(ROOT, "src/cli/main.ts"), "--home", home, "--log-level", "silent", "data", "build"];
  const args = [...cli, "--limit", String(LIMIT), "--seed", String(SEED), "--no-progress"];
  const child = spawn(process.execPath, ["--import", "tsx", ...args], { cwd: ROOT, stdio: "ignore" });
  const exited = new Promise<NodeJS.Signals | null>((res) => child.on("exit", (_c, s) => res(s)));
  // Kill as soon as the version folder exists: its files are being written, its card is not there yet.
  const poll = setInterval(() => {
    if (existsSync(datasets) && readdirSync(datasets).length > 0) child.kill("SIGKILL");
  }, 1);
  const signal = await exited;
  clearInterval(poll);
  assert.equal(signal, "SIGKILL", "killed mid-build");
  const [version] = readdirSync(datasets);
  assert.ok(version && !isFinishedDataset(join(datasets, version)), "the killed build left an unfinished folder");
  assert.equal(newestDataset(home, "sft.train.jsonl"), null);

  assert.equal(await main(["node", "ideasteer", ...args.slice(1)]), 0);
  assert.deepEqual(readdirSync(datasets), [version], "one version folder");
  assert.ok(isFinishedDataset(join(datasets, version)));
  assert.deepEqual(
    readdirSync(join(datasets, version)).filter((n) => n.includes(".tmp-")),
    [],
  );
  assert.deepEqual(
    readdirSync(join(datasets, version)).sort(),
    readdirSync(dirA)
      .filter((n) => !n.startsWith("sft-extra")) // dirA's build also wrote the extra pairs
      .sort(),
    "the same files as a clean build",
  );
});
