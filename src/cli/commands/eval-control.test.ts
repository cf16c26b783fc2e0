import assert from "node:assert/strict";
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { type TestContext, test } from "node:test";
import { createRng } from "../../core/index.js";
import { initDecoder, saveDecoder } from "../../steer/index.js";
import {
  runCli,
  SAMPLE_IDEA_TEXT,
  SAMPLE_PAPER,
  startCli,
  tempDir,
  writeTinyControllers,
  writeTinyPolicy,
} from "../../testing/index.js";
import { dynamicStaticPairs, type SystemSpec } from "./eval-control.js";

/**
 * A tiny policy that memorised one paper's idea, mild controllers and an untrained decoder beside it (what train rl
 * writes), a bare copy of it that names its controllers (":<dir>"), and two held-out papers it knows.
 */
async function tinyControlSetup(t: TestContext) {
  const home = tempDir(t);
  const modelPath = await writeTinyPolicy(join(home, "policy"), { ...SAMPLE_PAPER, idea: SAMPLE_IDEA_TEXT });
  writeTinyControllers(join(home, "policy"));
  const controllers = join(home, "policy", "controllers");
  saveDecoder(
    join(controllers, "decoder.json"),
    initDecoder({ hidden: 4, epsMax: 1, sigma: 0.1, rng: createRng(1) }),
    { rewardModel: join(process.cwd(), "models", "reward-tfidf") }, // a light one for its inputs (absolute stays)
  );
  const dataset = join(home, "dataset");
  mkdirSync(dataset);
  const prompt = `<|paper|>Title: ${SAMPLE_PAPER.title}\nAbstract: ${SAMPLE_PAPER.abstract}<|idea|>`;
  writeFileSync(
    join(dataset, "sft.val.jsonl"),
    ["a", "b"]
      .map((id) => JSON.stringify({ id: `x/${id}`, supportingId: `p/${id}`, prompt, target: SAMPLE_IDEA_TEXT }))
      .join("\n"),
  );
  const bare = join(home, "bare", "model.gguf");
  mkdirSync(join(home, "bare"));
  copyFileSync(modelPath, bare);
  return { home, modelPath, controllers, dataset, bare };
}

test("eval control: a steering and a non-steering system on the grid, two evaluators, report with intervals and curves", async (t) => {
  const { home, modelPath, controllers, dataset, bare } = await tinyControlSetup(t);
  const out = join(home, "reports");
  const r = runCli(home, [
    "eval",
    "control",
    "--dataset",
    dataset,
    "--split",
    "val",
    "--papers",
    "2",
    "--ideas-per-point",
    "1",
    "--resamples",
    "50",
    "--system",
    `sft=${modelPath}:none`,
    "--system",
    `static=${bare}:static:${controllers}`,
    "--system",
    `dynamic=${bare}:dynamic:${controllers}`,
    "--system",
    `static+bok=${modelPath}:static+best-of-2`,
    "--system",
    `dynamic+bok=${bare}:dynamic+best-of-2:${controllers}`,
    "--best-of-objective",
    "standardised",
    "--independent-rm",
    join(process.cwd(), "models", "reward-tfidf"),
    "--baseline",
    "sft",
    "--out",
    out,
    "--save-ideas",
    join(out, "ideas.jsonl"),
    "--no-progress",
  ]);
  assert.equal(r.status, 0, r.stderr);
  // Every idea scored is saved: 2 papers x 15 grid weights per system, the steering systems' texts differing by weight.
  const saved = readFileSync(join(out, "ideas.jsonl"), "utf8")
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l));
  assert.equal(saved.length, 5 * 2 * 15);
  for (const system of ["sft", "static", "dynamic", "static+bok", "dynamic+bok"])
    assert.equal(saved.filter((x) => x.system === system).length, 30, system);
  // A system that ignores the weights generated once per paper: its saved texts repeat across the grid.
  for (const paper of [0, 1])
    assert.equal(new Set(saved.filter((x) => x.system === "sft" && x.paper === paper).map((x) => x.text)).size, 1);
  assert.ok(saved.every((x) => typeof x.weights.novelty === "number" && typeof x.text === "string"));
  const report = readFileSync(join(out, "control.md"), "utf8");
  assert.match(report, /## Under rm \(training\)/);
  assert.match(report, /## Under reward-tfidf \(independent\)/);
  // A system that never sees the weights has controllability exactly 0: its ideas are the same at every point.
  assert.match(report, /\| sft \| 30 \(0\) \| 0\.000( \[[^\]]*\])? \| 0\.000/);
  assert.match(report, /\| static \| 30 \(\d+\) \|/);
  assert.match(report, /\| dynamic \| 30 \(\d+\) \|/);
  assert.match(report, /\| static\+bok \| 30 \(\d+\) \|/);
  assert.match(report, /\| dynamic\+bok \| 30 \(\d+\) \|/);
  assert.match(report, /\| system \| score Spearman novelty-feasibility \| .* \| ceiling on all three \|/);
  assert.match(report, /^\| dynamic( \| -?\d\.\d{3}){3} \| \d\.\d{3} \|$/m, "a ceiling row per system");
  assert.match(readFileSync(join(out, "control-response.svg"), "utf8"), /^<svg/);
  // Every other system against the baseline at each of the 15 grid points, under each evaluator.
  assert.match(report, /## Against sft, grid point by grid point/);
  for (const system of ["static", "dynamic"])
    for (const ev of ["rm \\(training\\)", "reward-tfidf \\(independent\\)"]) {
      const section = report.split(new RegExp(`### ${system} against sft under ${ev}`))[1]?.split("###")[0] ?? "";
      assert.match(section, /Ahead at \d+ of 15 grid points/, `${system} under ${ev}`);
      assert.equal(section.match(/^\| \(\d\.\d\d, /gm)?.length, 15, `${system} under ${ev}: a row per grid point`);
    }
  assert.doesNotMatch(report, /### sft against sft/);
  assert.match(readFileSync(join(out, "control-versus.svg"), "utf8"), /^<svg/);
  // The decoder against static control with the same model and controllers: both hypervolumes and the paired
  // difference, under each evaluator; systems on another model are not paired.
  const pairs = report.split("## Hypervolume, system against system (paired over papers)")[1]?.split("\n## ")[0] ?? "";
  for (const ev of ["rm \\(training\\)", "reward-tfidf \\(independent\\)"])
    assert.match(
      pairs,
      new RegExp(`^\\| dynamic \\| static \\| ${ev} \\| \\d\\.\\d{3} \\| \\d\\.\\d{3} \\| -?\\d\\.\\d{3}`, "m"),
    );
  assert.equal(pairs.match(/^\| [^|]+ \| [^|]+ \| (rm|reward)/gm)?.length, 2, "one pair, two evaluators");
  const loud = runCli(home, ["eval", "control", "--dataset", dataset, "--split", "val", "--best-of-objective", "loud"]);
  assert.notEqual(loud.status, 0);
  assert.match(loud.stderr, /--best-of-objective loud[\s\S]*use weighted, centred, standardised/);
  const shard = runCli(home, ["eval", "control", "--dataset", dataset, "--split", "val", "--shard", "1-2"]);
  assert.notEqual(shard.status, 0);
  assert.match(shard.stderr, /--shard 1-2[\s\S]*write k\/n/);
  // Two systems with one name are refused before any model is read: here the reward model is missing too.
  const twice = [`same=${modelPath}:none`, `same=${bare}:none`].flatMap((s) => ["--system", s]);
  const named = runCli(home, ["eval", "control", "--dataset", dataset, "--split", "val", ...twice, "--rm", "nowhere"]);
  assert.notEqual(named.status, 0);
  assert.match(named.stderr, /two systems are named same[\s\S]*give each system its own name/);
});

test("the decoder is paired with static control on the same model, controllers and candidates, and nothing else", () => {
  const spec = (name: string, control: SystemSpec["control"], more: Partial<SystemSpec> = {}): SystemSpec => ({
    name,
    modelPath: "/m/model.gguf",
    controllersDir: "/m/controllers",
    control,
    ...more,
  });
  const pairs = dynamicStaticPairs([
    spec("sft", "none"),
    spec("static", "static"),
    spec("dynamic", "dynamic"),
    spec("static-bo4", "static", { bestOf: 4 }),
    spec("dynamic-bo4", "dynamic", { bestOf: 4 }),
    spec("dynamic-bo8", "dynamic", { bestOf: 8 }), // no static twin with 8 candidates
    spec("dynamic-other", "dynamic", { modelPath: "/n/model.gguf" }),
    spec("dynamic-own-controllers", "dynamic", { controllersDir: "/m/other" }),
  ]);
  assert.deepEqual(pairs, [
    { system: "dynamic", against: "static" },
    { system: "dynamic-bo4", against: "static-bo4" },
  ]);
});

test("steer fit-selection fits the candidates' score covariance and tracking's step beside the controllers; whitened and tracking best-of-K need it and run on it", async (t) => {
  const { home, controllers, dataset, bare } = await tinyControlSetup(t);
  const tfidf = join(process.cwd(), "models", "reward-tfidf");
  const system = `dyn=${bare}:dynamic+best-of-4:${controllers}`;
  const evalFitted = (objective: "whitened" | "tracking") =>
    runCli(home, [
      "eval",
      "control",
      ...["--dataset", dataset, "--split", "val", "--papers", "1", "--ideas-per-point", "1", "--resamples", "20"],
      ...["--system", system, "--rm", tfidf, "--independent-rm", tfidf, "--best-of-objective", objective],
      ...["--out", join(home, "reports"), "--no-progress"],
    ]);
  const before = evalFitted("whitened");
  assert.notEqual(before.status, 0);
  assert.match(before.stderr, /whitened needs best-of-k\.json in .*controllers[\s\S]*steer fit-selection/);

  // The tiny policy writes the same candidate whatever the seed: nothing to fit; the shipped RL policy samples.
  const same = runCli(home, ["steer", "fit-selection", "--system", system, "--rm", tfidf, "--dataset", dataset]);
  assert.match(
    same.stderr,
    /scores do not vary on every dimension \(variances 0\.0e\+0, 0\.0e\+0, 0\.0e\+0 over \d+ rounds\)/,
  );
  const shipped = join(process.cwd(), "models", "policy-rl");
  const out = join(home, "fits", "fit.json"); // a folder that does not exist yet
  const fit = runCli(home, [
    "steer",
    "fit-selection",
    ...["--system", `rl=${shipped}/model.gguf:static+best-of-2:${shipped}/controllers-per-dimension`],
    ...["--rm", tfidf, "--dataset", dataset, "--papers", "1", "--out", out, "--no-progress"],
  ]);
  assert.equal(fit.status, 0, fit.stderr);
  assert.match(fit.stdout, /^\d+ rounds, \d+ candidates, 1 papers$/m);
  const saved = JSON.parse(readFileSync(out, "utf8"));
  assert.equal(saved.format, "ideasteer-best-of-k-fit-v1");
  assert.equal(resolve(home, saved.rewardModel), tfidf, "relative to the fit's folder");
  assert.ok(saved.rounds >= 8, `a round per sentence of 4 ideas: ${saved.rounds}`);
  assert.ok(saved.covariance.every((r: number[], i: number) => r[i] > 0));
  assert.equal(saved.stepSearch.length, 10, "every step replayed");
  assert.ok(saved.stepSearch.some((s: { step: number }) => s.step === saved.step));
  assert.match(fit.stdout, new RegExp(`^tracking step ${saved.step} \\(`, "m"));
  copyFileSync(out, join(controllers, "best-of-k.json"));

  const after = evalFitted("tracking");
  assert.equal(after.status, 0, after.stderr);
  assert.match(readFileSync(join(home, "reports", "control.md"), "utf8"), /\| dyn \| 15 \(\d+\) \|/);
  const onTest = runCli(home, ["steer", "fit-selection", "--system", system, "--split", "test"]);
  assert.match(onTest.stderr, /--split test[\s\S]*never on test/);
});

test("eval control killed with SIGKILL resumes from its --save-ideas file and does not generate the saved ideas again", async (t) => {
  const { home, controllers, dataset, bare } = await tinyControlSetup(t);
  const tfidf = join(process.cwd(), "models", "reward-tfidf");
  const file = join(home, "ideas.jsonl");
  const args = [
    ...["eval", "control", "--dataset", dataset, "--split", "val", "--papers", "2", "--ideas-per-point", "1"],
    ...[
      "--resamples",
      "20",
      "--system",
      `dyn=${bare}:dynamic:${controllers}`,
      "--rm",
      tfidf,
      "--independent-rm",
      tfidf,
    ],
    ...["--out", join(home, "reports"), "--save-ideas", file, "--no-progress"],
  ];
  const lines = () => (existsSync(file) ? readFileSync(file, "utf8").split("\n").filter(Boolean) : []);
  const run = startCli(t, home, args);
  for (const start = Date.now(); lines().length < 4 && Date.now() - start < 120_000; )
    await new Promise((r) => setTimeout(r, 20));
  run.child.kill("SIGKILL");
  assert.equal((await run.done).signal, "SIGKILL");
  const before = lines();
  assert.ok(before.length >= 4 && before.length < 30, `killed with ${before.length} of 30 ideas saved`);

  // The first saved idea, marked: a resumed run keeps it, a run that started over would write it again.
  const first = { ...JSON.parse(before[0] as string), text: "MARKED: generated before the kill" };
  writeFileSync(file, [JSON.stringify(first), ...before.slice(1)].map((l) => `${l}\n`).join(""));
  const resumed = runCli(home, args);
  assert.equal(resumed.status, 0, resumed.stderr);
  const after = lines().map((l) => JSON.parse(l));
  assert.equal(after.length, 30, "every idea once");
  assert.equal(after[0].text, first.text);
  assert.deepEqual(
    after.slice(1, before.length),
    before.slice(1).map((l) => JSON.parse(l)),
  );
  assert.deepEqual(
    after.map((x) => [x.paper, x.grid]),
    [0, 1].flatMap((p) => Array.from({ length: 15 }, (_, g) => [p, g])),
  );
});
