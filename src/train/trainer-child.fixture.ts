/**
 * A child process for trainer.test.ts: runs the synthetic stage with SIGINT/SIGTERM wired as the CLI wires them,
 * and at a chosen step writes <runsRoot>/at-step.json ({ runDir, step }) and then either blocks (to be killed
 * with SIGKILL there) or waits for a signal (to be interrupted there). Exits 130 when interrupted, as the CLI.
 *
 *   node --import tsx src/train/trainer-child.fixture.ts '{"runsRoot": "...", "config": {...}, "blockAtStep": 13}'
 */
import { once } from "node:events";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { silentLogger } from "../core/index.js";
import { abortOnSignals } from "./abort-on-signals.js";
import { syntheticStage } from "./synthetic-stage.js";
import { TrainingInterruptedError } from "./train-errors.js";
import { train } from "./trainer.js";

type ChildArgs = {
  runsRoot: string;
  config: Record<string, unknown>;
  blockAtStep?: number; // after this step: block the thread (SIGKILL mode)
  waitAtStep?: number; // after this step: wait for SIGINT/SIGTERM
};

const args = JSON.parse(process.argv[2] ?? "{}") as ChildArgs; // written by trainer.test.ts, this file's only caller
const interrupt = abortOnSignals();
const stage = syntheticStage({
  hooks: {
    async onStep({ step, runDir }) {
      if (step !== args.blockAtStep && step !== args.waitAtStep) return;
      writeFileSync(join(args.runsRoot, "at-step.json"), JSON.stringify({ runDir, step }));
      if (step === args.blockAtStep) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 60_000);
      else if (!interrupt.signal.aborted) {
        const alive = setInterval(() => {}, 1_000); // a pending signal listener alone does not keep node running
        await once(interrupt.signal, "abort");
        clearInterval(alive);
      }
    },
  },
});
try {
  const config = stage.config.parse(args.config);
  await train(stage, { config, runsRoot: args.runsRoot, log: silentLogger, signal: interrupt.signal });
} catch (e) {
  if (!(e instanceof TrainingInterruptedError)) throw e;
  process.stderr.write(`${e.message}\n`);
  process.exitCode = e.exitCode;
} finally {
  interrupt.dispose();
}
