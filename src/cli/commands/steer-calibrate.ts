import { copyFileSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import type { Command } from "commander";
import { ConfigError, CorruptFileError } from "../../core/index.js";
import { DIMENSIONS, type Scores } from "../../idea/index.js";
import { loadRewardModel, scoreIdeas } from "../../reward/index.js";
import { calibrationMatrix, fitResponse, loadControllerSet, type ResponseSample } from "../../steer/index.js";
import { floatFlag } from "../context.js";

type CalibrateFlags = { ideas: string; system: string; controllers: string; rm: string; ridge: number; out: string };

const MAX_IDEAS_FILE_BYTES = 256 * 1024 * 1024;
const MAX_SAMPLES = 100_000;

/**
 * `ideasteer steer calibrate`: the controllers' measured response to the weights, from ideas `eval control
 * --save-ideas` generated with them (static control), and the calibration that makes each score follow its own
 * weight (`calibrationMatrix`). Writes a copy of the controllers with the calibration in controllers.json.
 */
export function addSteerCalibrateCommand(steer: Command): void {
  steer
    .command("calibrate")
    .description("calibrate static control: fit how the controllers move each score, so each follows its own weight")
    .requiredOption("--ideas <file>", "eval control --save-ideas JSONL of ideas generated with these controllers")
    .requiredOption("--system <name>", "the system in that file that used them (static control)")
    .requiredOption("--controllers <dir>", "the controller folder (<dimension>.gguf, controllers.json)")
    .requiredOption("--rm <dir>", "the reward model whose scores the weights should move")
    .option(
      "--ridge <x>",
      "shrinkage of the fitted response's inverse (share of its mean eigenvalue)",
      floatFlag("--ridge"),
      0.05,
    )
    .requiredOption("--out <dir>", "folder for the calibrated copy")
    .addHelpText(
      "after",
      `
Fit on papers other than those you evaluate on: eval control --split val --save-ideas, then calibrate, then eval control
(test split) with the calibrated folder.

Example:
  $ ideasteer eval control --split val --system "c=models/policy-rl/model.gguf:static:ctl" --save-ideas val.jsonl
  $ ideasteer steer calibrate --ideas val.jsonl --system c --controllers ctl --rm models/reward-per-dimension --out ctl-calibrated`,
    )
    .action(async (flags: CalibrateFlags) => {
      const controllers = resolve(flags.controllers);
      loadControllerSet(controllers); // the folder must hold a whole set before anything is fitted
      const ideas = readSavedIdeas(resolve(flags.ideas), flags.system);
      const scores = await scoreIdeas(
        ideas.map((i) => i.text),
        { model: loadRewardModel(resolve(flags.rm)) },
      );
      const samples: ResponseSample[] = ideas.map((x, i) => ({
        paper: x.paper,
        weights: x.weights,
        scores: scores[i] as Scores,
      }));
      const response = fitResponse(samples);
      const matrix = calibrationMatrix(response, flags.ridge);
      const out = resolve(flags.out);
      mkdirSync(out, { recursive: true });
      for (const d of DIMENSIONS) copyFileSync(join(controllers, `${d}.gguf`), join(out, `${d}.gguf`));
      const source = join(controllers, "controllers.json");
      const summary = existsSync(source) ? (JSON.parse(readFileSync(source, "utf8")) as Record<string, unknown>) : {};
      const papers = new Set(samples.map((s) => s.paper)).size;
      summary.calibration = {
        matrix,
        response,
        ridge: flags.ridge,
        ideas: samples.length,
        papers,
        rm: flags.rm,
        command: `ideasteer ${process.argv.slice(2).join(" ")}`,
      };
      writeFileSync(join(out, "controllers.json"), `${JSON.stringify(summary, null, 2)}\n`);
      const row = (r: number[]) => r.map((x) => x.toFixed(3).padStart(7)).join(" ");
      process.stdout.write(
        [
          `${samples.length} ideas of ${papers} papers`,
          "response B (score j per weight k):",
          ...response.map((r, j) => `  ${DIMENSIONS[j]?.padEnd(13)} ${row(r)}`),
          "calibration C (u = 1/3 + C (w - 1/3)):",
          ...matrix.map((r, j) => `  ${DIMENSIONS[j]?.padEnd(13)} ${row(r)}`),
          join(out, "controllers.json"),
          "",
        ].join("\n"),
      );
    });
}

/** The system's ideas that came out (failed ones are empty), with their paper and weights. */
function readSavedIdeas(path: string, system: string): { paper: string; weights: Scores; text: string }[] {
  if (!existsSync(path)) throw new ConfigError(`--ideas ${path} not found`, "pass eval control's --save-ideas file");
  if (statSync(path).size > MAX_IDEAS_FILE_BYTES)
    throw new ConfigError(`--ideas ${path} is over ${MAX_IDEAS_FILE_BYTES >> 20} MiB`, "pass one run's ideas");
  const out: { paper: string; weights: Scores; text: string }[] = [];
  for (const [i, line] of readFileSync(path, "utf8").split("\n").entries()) {
    if (!line.trim()) continue;
    let row: { system?: unknown; paper?: unknown; weights?: Record<string, unknown>; text?: unknown };
    try {
      row = JSON.parse(line);
    } catch {
      throw new CorruptFileError(path, `line ${i + 1} is not JSON`);
    }
    if (row.system !== system || typeof row.text !== "string" || row.text === "") continue;
    const w = row.weights ?? {};
    if (
      !DIMENSIONS.every((d) => typeof w[d] === "number") ||
      (typeof row.paper !== "number" && typeof row.paper !== "string")
    )
      throw new CorruptFileError(path, `line ${i + 1} lacks paper or weights`);
    out.push({ paper: String(row.paper), weights: w as Scores, text: row.text });
    if (out.length > MAX_SAMPLES)
      throw new ConfigError(`--ideas holds over ${MAX_SAMPLES} ideas`, "pass one run's ideas");
  }
  if (new Set(out.map((x) => x.paper)).size < 2)
    throw new ConfigError(`--ideas: fewer than 2 papers with ideas of system ${system}`, "check --system");
  return out;
}
