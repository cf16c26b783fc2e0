import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { silentLogger } from "../core/index.js";
import { DIMENSIONS, type Scores } from "../idea/index.js";
import type { SourcePaper } from "../ideas/index.js";
import type { RewardModel } from "../reward/index.js";
import { tempDir } from "../testing/index.js";
import { IdeasJournal } from "./ideas-journal.js";
import { type ControlSystem, type EvalControlOptions, evalControl, generateControlIdeas } from "./index.js";

// Candidate j of every paper leans towards dimension j; a scorer that reads the lean. The subject is the choice.
const LEANS = ["a novel idea", "a feasible idea", "an effective idea"];
const leanScorer: RewardModel = {
  name: "lean",
  dimensions: DIMENSIONS,
  score: async (texts) =>
    texts.map((t) => {
      const lean = LEANS.findIndex((l) => t.startsWith(l));
      return Object.fromEntries(DIMENSIONS.map((d, k) => [d, k === lean ? 0.9 : 0.3])) as Scores;
    }),
};

/** evalControl's options in these tests: the lean scorer as the training evaluator, one idea per grid point. */
const optionsFor = (
  dir: string,
  systems: ControlSystem[],
  papers: SourcePaper[],
  more: Partial<EvalControlOptions> = {},
): EvalControlOptions => ({
  systems,
  evaluators: [{ name: "lean (training)", model: leanScorer, independent: false }],
  papers,
  ideasPerPoint: 1,
  reference: { novelty: 0, feasibility: 0, effectiveness: 0 },
  resamples: 20,
  seed: 1,
  outDir: dir,
  reportName: "control",
  command: "test",
  log: silentLogger,
  progress: false,
  ...more,
});

/** A system whose idea leans towards the dimension weighted most; `onCall` counts the generations. */
const leaningSystem = (onCall: () => void, topOf?: number): ControlSystem => ({
  name: "steering",
  steers: true,
  ...(topOf ? { topOf } : {}),
  generate: async (paper, w, seed) => {
    onCall();
    return `${LEANS[DIMENSIONS.indexOf(argmax(w))]} for ${paper.title}, seed ${seed}`;
  },
});

const papersWithIds = (n: number) =>
  Array.from({ length: n }, (_, i) => ({ id: `p${i}`, title: `Paper ${i}`, abstract: "An abstract." }));

test("top of K: a weight-blind system's candidates are generated once per paper and the weights choose among them", async (t) => {
  const dir = tempDir(t);
  let calls = 0;
  const blind = (name: string, topOf?: number): ControlSystem => ({
    name,
    steers: false,
    ...(topOf ? { topOf } : {}),
    generate: async (paper, _w, seed) => {
      calls++;
      return `${LEANS[Math.floor(seed / 10_000_000) % 3]} for ${paper.title}`;
    },
  });
  const papers = Array.from({ length: 6 }, (_, i) => ({ title: `Paper ${i}`, abstract: "An abstract." }));
  const { results, reportPath } = await evalControl(
    optionsFor(dir, [blind("plain"), blind("top-of-3", 3)], papers, { resamples: 50, reportName: "top-of-k" }),
  );
  assert.equal(calls, 6 + 6 * 3, "one idea per paper for plain, three candidates per paper for top-of-3");
  const [plain, top] = results.map((r) => r.byEvaluator[0]?.controllability as Scores);
  for (const d of DIMENSIONS) {
    assert.equal(plain?.[d], 0, `${d}: the same idea at every grid point`);
    assert.ok((top?.[d] ?? 0) > 0.5, `${d}: the weights pick the candidate that leans their way (${top?.[d]})`);
  }
  assert.match(readFileSync(reportPath, "utf8"), /\*\*Top of K\*\* \(top-of-3: K = 3\)/);
});

test("the --save-ideas file is a journal: a rerun after a kill generates only the ideas that are not in it", async (t) => {
  const dir = tempDir(t);
  const file = join(dir, "ideas.jsonl");
  let calls = 0;
  const steering = (topOf?: number) => leaningSystem(() => calls++, topOf);
  const blind: ControlSystem = {
    name: "blind",
    steers: false,
    topOf: 2,
    generate: async (paper, _w, seed) => {
      calls++;
      return `${LEANS[Math.floor(seed / 10_000_000) % 3]} for ${paper.title}`;
    },
  };
  const run = (systems: ControlSystem[], seed = 1) =>
    evalControl(optionsFor(dir, systems, papersWithIds(3), { seed, ideasFile: file }));
  const linesOf = () => readFileSync(file, "utf8").trim().split("\n");

  await run([steering(), blind]);
  assert.equal(calls, 3 * 15 + 3 * 2);
  const whole = linesOf();
  assert.equal(whole.length, 2 * 3 * 15);

  // Killed after 7 ideas of the steering system, one more cut off mid-line; the first saved idea marked to tell a
  // resume (which keeps it) from a restart (which writes it again).
  const marked = { ...JSON.parse(whole[0] as string), text: "MARKED: kept from the first run" };
  writeFileSync(
    file,
    [JSON.stringify(marked), ...whole.slice(1, 7)].join("\n") + `\n${(whole[7] as string).slice(0, 40)}`,
  );
  calls = 0;
  const { results } = await run([steering(), blind]);
  assert.equal(calls, 3 * 15 - 7 + 3 * 2, "only the ideas not saved are generated");
  const resumed = linesOf().map((l) => JSON.parse(l));
  assert.equal(resumed.length, whole.length, "the file holds every idea once, in order");
  assert.equal(resumed[0].text, marked.text);
  assert.deepEqual(
    resumed.slice(1),
    whole.slice(1).map((l) => JSON.parse(l)),
  );
  assert.equal(results[0]?.ideas, 45);

  // A torn last line is cut off when the file is opened, so what is appended next starts a line of its own.
  writeFileSync(file, `${whole[0]}\n${(whole[1] as string).slice(0, 30)}`);
  IdeasJournal.open(file, ["steering"], silentLogger).append(JSON.parse(whole[1] as string));
  assert.deepEqual(linesOf(), whole.slice(0, 2));
  await run([steering(), blind]);

  // Everything saved: nothing generated; top-of-K's candidates come back from the file and are chosen again.
  calls = 0;
  await run([blind]);
  assert.equal(calls, 0);
  assert.equal(linesOf().length, whole.length, "the other system's lines are kept");

  // Another seed would mix two runs' ideas: refused, naming the flags.
  await assert.rejects(
    run([steering()], 2),
    /made with other settings \(seed 1, 1 candidate\(s\) per idea; this run: seed 2, 1\)/,
  );
  await assert.rejects(run([steering(4)]), /this run: seed 1, 4\)/);
  writeFileSync(file, `${whole[0]}\nnot json\n${whole[1]}\n`);
  await assert.rejects(run([steering()]), /ideas\.jsonl: line 2 is not JSON/);
});

test("a run over fewer papers or ideas per point keeps the journal's other ideas of its systems", async (t) => {
  const dir = tempDir(t);
  const file = join(dir, "ideas.jsonl");
  let calls = 0;
  const run = (papers: number, ideasPerPoint = 1) =>
    evalControl(
      optionsFor(dir, [leaningSystem(() => calls++)], papersWithIds(papers), { ideasFile: file, ideasPerPoint }),
    );
  const linesOf = () => readFileSync(file, "utf8").trim().split("\n");
  await run(3, 2);
  const whole = linesOf();
  assert.equal(whole.length, 3 * 15 * 2);
  calls = 0;
  const { results } = await run(2, 1); // the first two papers, one idea per point: all in the file
  assert.equal(calls, 0);
  assert.equal(results[0]?.ideas, 2 * 15, "the report reads only this run's papers and indices");
  assert.deepEqual(linesOf().sort(), [...whole].sort(), "the third paper's and the second indices' ideas are kept");
  await run(3, 2);
  assert.equal(calls, 0, "nothing to generate again");
});

const argmax = (w: Scores) => DIMENSIONS.reduce((a, d) => (w[d] > w[a] ? d : a));

test("shards split the papers between runs; evalControl on their files put together generates nothing and reports on all", async (t) => {
  const dir = tempDir(t);
  let calls = 0;
  const options = (ideasFile: string) =>
    ({ ...optionsFor(dir, [leaningSystem(() => calls++)], papersWithIds(5)), ideasFile }) as const;
  const files = [0, 1].map((k) => join(dir, `shard-${k}.jsonl`));
  const shard0 = await generateControlIdeas({ ...options(files[0] as string), shard: { index: 0, count: 2 } });
  assert.equal(calls, 3 * 15, "papers 0, 2 and 4");
  assert.equal(shard0.ideas, 3 * 15);
  calls = 0;
  await generateControlIdeas({ ...options(files[1] as string), shard: { index: 1, count: 2 } });
  assert.equal(calls, 2 * 15, "papers 1 and 3");
  const papersIn = (f: string) => [
    ...new Set(
      readFileSync(f, "utf8")
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l).paper),
    ),
  ];
  assert.deepEqual(papersIn(files[1] as string), [1, 3]);

  const merged = join(dir, "ideas.jsonl");
  writeFileSync(merged, files.map((f) => readFileSync(f, "utf8")).join(""));
  calls = 0;
  const { results } = await evalControl(options(merged));
  assert.equal(calls, 0, "every idea came from a shard");
  assert.equal(results[0]?.ideas, 5 * 15);
  assert.deepEqual(papersIn(merged), [0, 1, 2, 3, 4], "rewritten in grid order");
  await assert.rejects(
    generateControlIdeas({ ...options(merged), shard: { index: 2, count: 2 } }),
    (e: Error & { hint?: string }) => /shard 2\/2/.test(e.message) && /0 <= k < n/.test(e.hint ?? ""),
  );
});

test("two systems with one name are refused before anything is generated: their ideas would mix in the journal", async (t) => {
  const dir = tempDir(t);
  let calls = 0;
  const twins = [leaningSystem(() => calls++), leaningSystem(() => calls++)];
  const options = { ...optionsFor(dir, twins, papersWithIds(2)), ideasFile: join(dir, "ideas.jsonl") };
  const named = (e: Error & { hint?: string }) =>
    /two systems are named steering/.test(e.message) && /own name/.test(e.hint ?? "");
  await assert.rejects(evalControl(options), named);
  await assert.rejects(generateControlIdeas({ ...options, shard: { index: 0, count: 1 } }), named);
  assert.equal(calls, 0);
});

test("hypervolume pairs: each pair's figures come back beside the systems', and a pair naming no system is refused first", async (t) => {
  const dir = tempDir(t);
  const blind: ControlSystem = { name: "blind", steers: false, generate: async (p) => `${LEANS[0]} for ${p.title}` };
  let calls = 0;
  const systems = [leaningSystem(() => calls++), blind];
  const papers = papersWithIds(3);
  const r = await evalControl(
    optionsFor(dir, systems, papers, { hypervolumePairs: [{ system: "steering", against: "blind" }] }),
  );
  const hv = (name: string) => r.results.find((x) => x.name === name)?.byEvaluator[0]?.hypervolume as number;
  const [pair] = r.pairs;
  assert.equal(pair?.system, "steering");
  assert.equal(pair?.byEvaluator[0]?.evaluator, "lean (training)");
  assert.equal(pair?.byEvaluator[0]?.system, hv("steering"));
  assert.equal(pair?.byEvaluator[0]?.baseline, hv("blind"));
  assert.ok((pair?.byEvaluator[0]?.diff as number) > 0, "leaning by weight covers more than one corner");
  assert.match(readFileSync(r.reportPath, "utf8"), /\| steering \| blind \| lean \(training\) \|/);
  calls = 0;
  await assert.rejects(
    evalControl(optionsFor(dir, systems, papers, { hypervolumePairs: [{ system: "steering", against: "static" }] })),
    /no system named static to compare hypervolumes with/,
  );
  assert.equal(calls, 0, "refused before generating");
});
