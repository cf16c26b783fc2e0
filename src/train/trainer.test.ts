import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { type TestContext, test } from "node:test";
import { fileURLToPath } from "node:url";
import { silentLogger } from "../core/index.js";
import { tempDir } from "../testing/index.js";
import { loadCheckpoint } from "./checkpoint.js";
import { type MetricsRecord, readMetrics } from "./metrics-log.js";
import { type SyntheticConfig, syntheticStage } from "./synthetic-stage.js";
import { NothingToResumeError } from "./train-errors.js";
import { train } from "./trainer.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const CHILD = join(ROOT, "src/train/trainer-child.fixture.ts");
const CONFIG = {
  maxSteps: 30,
  warmupSteps: 3,
  lr: 1e-2,
  minLr: 1e-3,
  gradAccum: 2,
  evalEvery: 5,
  checkpointEvery: 10,
  keepCheckpoints: 5,
  sampleEvery: 5,
};
const TIMING = new Set(["perf/tokens_per_s", "time/step_ms"]);

/** A run of the synthetic stage in this process, counting the steps and loss computations it executes. */
async function runHere(o: { runsRoot: string; config?: Partial<SyntheticConfig>; resume?: string }) {
  const steps: number[] = [];
  let lossCalls = 0;
  const stage = syntheticStage({ hooks: { onStep: ({ step }) => void steps.push(step) }, onLoss: () => lossCalls++ });
  const config = o.resume ? undefined : stage.config.parse({ ...CONFIG, ...o.config });
  const r = await train(stage, { config, resume: o.resume, runsRoot: o.runsRoot, log: silentLogger });
  return { ...r, steps, lossCalls };
}

/** Runs the fixture child until it exits; `atStep` is called once it has written at-step.json. */
async function runChild(
  runsRoot: string,
  args: { blockAtStep?: number; waitAtStep?: number },
  atStep: (child: ReturnType<typeof spawn>) => void,
) {
  const child = spawn(
    process.execPath,
    ["--import", "tsx", CHILD, JSON.stringify({ runsRoot, config: CONFIG, ...args })],
    {
      cwd: ROOT,
      stdio: ["ignore", "ignore", "pipe"],
    },
  );
  let stderr = "";
  child.stderr?.on("data", (d) => {
    stderr += d;
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((res) =>
    child.on("exit", (code, signal) => res({ code, signal })),
  );
  const marker = join(runsRoot, "at-step.json");
  const poll = setInterval(() => {
    if (!existsSync(marker)) return;
    clearInterval(poll);
    atStep(child);
  }, 5);
  const exit = await exited;
  clearInterval(poll);
  const { runDir, step } = JSON.parse(readFileSync(marker, "utf8")) as { runDir: string; step: number };
  return { ...exit, stderr, runDir, step };
}

function assertSameCurves(got: MetricsRecord[], want: MetricsRecord[]) {
  assert.deepEqual(
    got.map((r) => r.step),
    want.map((r) => r.step),
  );
  want.forEach((w, i) => {
    const g = got[i] as MetricsRecord;
    for (const k of Object.keys(w).filter((k) => !TIMING.has(k)))
      assert.ok(Math.abs((g[k] as number) - (w[k] as number)) <= 1e-6, `${k} at step ${w.step}: ${g[k]} vs ${w[k]}`);
  });
}

const samples = (runDir: string) => readFileSync(join(runDir, "samples.jsonl"), "utf8");

async function reference(t: TestContext) {
  const runsRoot = tempDir(t);
  const r = await runHere({ runsRoot });
  assert.deepEqual(
    r.steps,
    Array.from({ length: 30 }, (_, i) => i),
  );
  return { ...r, metrics: readMetrics(join(r.runDir, "metrics.jsonl")) };
}

test("a run killed with SIGKILL resumes from its checkpoint's step: no step before it is computed again", async (t) => {
  const ref = await reference(t);
  const runsRoot = tempDir(t);
  // The child blocks after step 13, past its checkpoint at step 10, and dies there.
  const killed = await runChild(runsRoot, { blockAtStep: 13 }, (child) => child.kill("SIGKILL"));
  assert.equal(killed.signal, "SIGKILL", killed.stderr);
  assert.equal(loadCheckpoint(killed.runDir).step, 10);
  assert.ok(
    readMetrics(join(killed.runDir, "metrics.jsonl")).some((r) => r.step === 13),
    "logged past the checkpoint",
  );

  const resumed = await runHere({ runsRoot, resume: killed.runDir });
  // Only steps 10..29 ran here, each with its gradAccum micro-batches: resume, not a restart.
  assert.deepEqual(
    resumed.steps,
    Array.from({ length: 20 }, (_, i) => 10 + i),
  );
  assert.equal(resumed.lossCalls, 20 * CONFIG.gradAccum);
  assert.equal(resumed.endStep, 30);
  // Same curve, samples (RNG) and extra state as the uninterrupted run; the killed run's steps 10-13 were dropped.
  assertSameCurves(readMetrics(join(killed.runDir, "metrics.jsonl")), ref.metrics);
  assert.equal(samples(killed.runDir), samples(ref.runDir));
});

test("SIGINT finishes the step, checkpoints the next one and exits 130 with the resume hint", async (t) => {
  const ref = await reference(t);
  const runsRoot = tempDir(t);
  const stopped = await runChild(runsRoot, { waitAtStep: 7 }, (child) => child.kill("SIGINT"));
  assert.equal(stopped.code, 130, stopped.stderr);
  assert.ok(
    stopped.stderr.includes(`interrupted at step 8; rerun with --resume ${stopped.runDir} to continue`),
    stopped.stderr,
  );
  assert.equal(loadCheckpoint(stopped.runDir).step, 8);

  const resumed = await runHere({ runsRoot, resume: stopped.runDir });
  assert.deepEqual(
    resumed.steps,
    Array.from({ length: 22 }, (_, i) => 8 + i),
  );
  assertSameCurves(readMetrics(join(stopped.runDir, "metrics.jsonl")), ref.metrics);
  assert.equal(samples(stopped.runDir), samples(ref.runDir));
});

test("resume refuses a folder without a usable checkpoint, skips a corrupt newest one and clears staging folders", async (t) => {
  const runsRoot = tempDir(t);
  const bare = join(runsRoot, "synthetic-bare");
  mkdirSync(bare);
  writeFileSync(join(bare, "config.json"), JSON.stringify(CONFIG)); // killed before its first checkpoint
  await assert.rejects(runHere({ runsRoot, resume: bare }), (e: unknown) => e instanceof NothingToResumeError);

  const ref = await reference(t);
  const copy = join(runsRoot, "synthetic-copy");
  cpSync(ref.runDir, copy, { recursive: true });
  const ckpts = readdirSync(join(copy, "checkpoints")).sort();
  const newest = join(copy, "checkpoints", ckpts[ckpts.length - 1] as string, "model.safetensors");
  writeFileSync(newest, readFileSync(newest).subarray(0, 100)); // truncated: step 30 is unusable
  const staged = join(copy, ".step-00000030.tmp-999999"); // a checkpoint a killed run was still writing
  mkdirSync(staged);
  const resumed = await runHere({ runsRoot, resume: copy });
  assert.equal(existsSync(staged), false, "a killed run's staging folder is removed");
  assert.deepEqual(
    resumed.steps,
    Array.from({ length: 10 }, (_, i) => 20 + i),
  );
  assertSameCurves(readMetrics(join(copy, "metrics.jsonl")), ref.metrics);
  assert.equal(samples(copy), samples(ref.runDir));
});

test("early stopping ends at the evaluation where patience runs out; resuming the stopped run stays stopped", async (t) => {
  const runsRoot = tempDir(t);
  // minDelta larger than any change: the eval at step 0 sets the best, steps 5 and 10 do not improve on it.
  const config = { earlyStoppingPatience: 2, earlyStoppingMinDelta: 100 };
  const r = await runHere({ runsRoot, config });
  assert.equal(r.stopReason, "early-stopping");
  assert.equal(r.endStep, 10);
  assert.deepEqual(
    r.steps,
    Array.from({ length: 10 }, (_, i) => i),
  );
  assert.equal(loadCheckpoint(r.runDir).step, 10);
  const again = await runHere({ runsRoot, resume: r.runDir });
  assert.equal(again.stopReason, "early-stopping");
  assert.equal(again.endStep, 10);
  assert.deepEqual(again.steps, []);
  assert.deepEqual(
    readMetrics(join(r.runDir, "metrics.jsonl"))
      .filter((m) => "loss/val" in m)
      .map((m) => m.step),
    [0, 5, 10],
  );
});

test("pruning keeps the best evaluated checkpoint however many newer ones follow", async (t) => {
  const runsRoot = tempDir(t);
  // "max" on loss/val: the earliest evaluation (the highest loss) is the best, so newer checkpoints never beat it.
  const config = { keepCheckpoints: 1, earlyStoppingMetric: "loss/val", earlyStoppingMode: "max" as const };
  const r = await runHere({ runsRoot, config });
  const kept = readdirSync(join(r.runDir, "checkpoints")).sort();
  assert.deepEqual(kept, ["step-00000010", "step-00000030"]);
});
