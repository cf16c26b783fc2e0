import { existsSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import type { Command } from "commander";
import { ConfigError, type Logger } from "../../core/index.js";
import { newestDataset } from "../../datasets/index.js";
import {
  type ControlEvaluator,
  type ControlShard,
  type ControlSystem,
  checkSystemNames,
  evalControl,
  generateControlIdeas,
  type HypervolumePair,
  sftSourcePapers,
} from "../../eval/index.js";
import type { Scores } from "../../idea/index.js";
import { generateIdeas } from "../../ideas/index.js";
import {
  isLocalModel,
  openLlama,
  SHIPPED_MODEL_PATH,
  SHIPPED_POLICY_PATH,
  SHIPPED_RL_POLICY_PATH,
} from "../../llm/index.js";
import {
  createScoreCache,
  loadRewardModel,
  type RewardModel,
  SHIPPED_TFIDF_MODEL_DIR,
  SHIPPED_TRANSFORMER_RM_DIR,
  scoreIdeas,
  sharedSources,
} from "../../reward/index.js";
import {
  BEST_OF_K_OBJECTIVE_HELP,
  BEST_OF_K_OBJECTIVES,
  type BestOfKObjective,
  fittedObjective,
  loadControllerSet,
  loadDecoder,
  SENTENCE_TOKENS,
  staticSteering,
} from "../../steer/index.js";
import { readSftRows } from "../../train/index.js";
import { contextFor, intFlag } from "../context.js";
import { bestOfKSelection, decoderFile, decoderScores } from "../idea-generation.js";

type EvalControlFlags = {
  system: string[];
  rm: string;
  independentRm: string[];
  dataset?: string;
  split: string;
  papers: number;
  ideasPerPoint: number;
  resamples: number;
  seed: number;
  out: string;
  name: string;
  baseline?: string;
  saveIdeas?: string;
  shard?: string;
  bestOfObjective: BestOfKObjective;
  progress: boolean;
};

// The LDC ablation on the shipped models: the base model prompted, SFT, and the RL policy bare, static and dynamic.
const SFT_CONTROLLERS = join(dirname(SHIPPED_POLICY_PATH), "controllers");
const DEFAULT_SYSTEMS = [
  `prompting=${SHIPPED_MODEL_PATH}:none`,
  `sft=${SHIPPED_POLICY_PATH}:none`,
  ...(existsSync(join(SFT_CONTROLLERS, "novelty.gguf")) ? [`sft+static=${SHIPPED_POLICY_PATH}:static`] : []),
  ...(existsSync(join(SFT_CONTROLLERS, "decoder.json")) ? [`sft+dynamic=${SHIPPED_POLICY_PATH}:dynamic`] : []),
  ...(existsSync(SHIPPED_RL_POLICY_PATH)
    ? ["none", "static", "dynamic"].map((c) => `rl${c === "none" ? "" : `+${c}`}=${SHIPPED_RL_POLICY_PATH}:${c}`)
    : []),
];

/** `ideasteer eval control`: the 15-point grid on held-out papers, per system and evaluator (issue 12 §5). */
export function addEvalControlCommand(ev: Command): void {
  ev.command("control")
    .description("do the weights steer the ideas? the simplex grid on held-out papers, per system and evaluator")
    .option(
      "--system <name=model.gguf:control>",
      "a row of the ablation table: a policy GGUF and none | static | dynamic | best-of-<k> | static+best-of-<k> | dynamic+best-of-<k>, optionally +top-of-<k> (each idea the best of k by w · score under --rm, as generate -n k ranks them), then optionally :<controllers dir> (default: beside the model) (repeatable; default: the shipped base model prompted; the SFT policy bare and with its contrast controllers static and dynamic; models/policy-rl bare, static and dynamic; best-of-<k> only when asked: it samples k candidates per sentence)",
      (v: string, acc: string[]) => [...acc, v],
      [],
    )
    .option("--rm <dir>", "the reward model training used", SHIPPED_TRANSFORMER_RM_DIR)
    .option(
      "--independent-rm <dir>",
      "an evaluator training never saw (repeatable; default: the TF-IDF ridge, models/reward-tfidf)",
      (v: string, acc: string[]) => [...acc, v],
      [],
    )
    .option("--dataset <dir>", "dataset folder with sft.<split>.jsonl (default: the newest)")
    .option("--split <split>", "held-out papers from val or test", "test")
    .option("--papers <n>", "held-out papers", intFlag("--papers"), 30)
    .option("--ideas-per-point <n>", "ideas per paper and grid point", intFlag("--ideas-per-point"), 2)
    .option("--resamples <n>", "bootstrap resamples of papers", intFlag("--resamples"), 500)
    .option("--seed <n>", "generation and bootstrap seed", intFlag("--seed"), 1)
    .option("--out <dir>", "report folder", "docs/reports")
    .option("--name <name>", "report file name, without .md", "control")
    .option(
      "--baseline <system>",
      "compare every other system with this one at each grid point (w · score, paired bootstrap), e.g. sft",
    )
    .option("--best-of-objective <objective>", `what best-of-<k> keeps: ${BEST_OF_K_OBJECTIVE_HELP}`, "weighted")
    .option(
      "--save-ideas <file>",
      "also write every generated idea as JSONL (system, paper, weights, text), each as soon as it exists; rerun with the same file and flags to resume a run that was stopped",
    )
    .option(
      "--shard <k/n>",
      "generate only the ideas of papers p with p mod n = k into --save-ideas, scoring nothing (runs on several processes or machines split the papers; then run without --shard on their files put together: it scores and reports, generating nothing)",
    )
    .option("--no-progress", "no progress bars")
    .addHelpText(
      "after",
      `
Examples:
  $ ideasteer eval control --papers 30
  $ ideasteer eval control --system sft=models/policy/model.gguf:none \\
      --system rl=models/policy-rl/model.gguf:none --system rl+static=models/policy-rl/model.gguf:static \\
      --rm models/reward/transformer --independent-rm models/reward-tfidf
  $ ideasteer eval control --papers 40 --ideas-per-point 1 --baseline sft \\
      --system sft=models/policy/model.gguf:none --system rl=models/policy-rl/model.gguf:none`,
    )
    .action(async (flags: EvalControlFlags, cmd: Command) => {
      const { config, log } = contextFor(cmd);
      if (!["val", "test"].includes(flags.split)) throw new ConfigError(`--split ${flags.split}`, "use val or test");
      const shard = flags.shard === undefined ? undefined : parseShard(flags.shard);
      if (shard && flags.saveIdeas === undefined)
        throw new ConfigError("--shard needs --save-ideas", "name the file the shard's ideas go to");
      const dataset = flags.dataset ?? newestDataset(config.home, `sft.${flags.split}.jsonl`);
      if (!dataset)
        throw new ConfigError("no dataset found", "run `ideasteer data build` first, or pass --dataset <dir>");
      const papers = sftSourcePapers(readSftRows(join(dataset, `sft.${flags.split}.jsonl`))).slice(0, flags.papers);
      if (!(BEST_OF_K_OBJECTIVES as readonly string[]).includes(flags.bestOfObjective))
        throw new ConfigError(`--best-of-objective ${flags.bestOfObjective}`, `use ${BEST_OF_K_OBJECTIVES.join(", ")}`);
      const specs = (flags.system.length ? flags.system : DEFAULT_SYSTEMS).map(parseSystem);
      checkSystemNames(
        specs.map((s) => s.name),
        flags.baseline,
      ); // before any model is loaded
      const evaluators: ControlEvaluator[] = [
        { name: "rm (training)", model: loadRewardModel(resolve(flags.rm)), independent: false },
        ...(flags.independentRm.length ? flags.independentRm : [SHIPPED_TFIDF_MODEL_DIR]).map((d) => ({
          name: `${d.split("/").filter(Boolean).pop()} (independent)`,
          model: loadRewardModel(resolve(d)),
          independent: true,
          sharedWithTraining: sharedWithTraining(resolve(flags.rm), resolve(d), log),
        })),
      ];
      const trainingRm = (evaluators[0] as ControlEvaluator).model;
      const opened = await Promise.all(specs.map((s) => openSystem(s, trainingRm, flags.bestOfObjective)));
      try {
        const run = {
          systems: opened.map((o) => o.system),
          evaluators,
          papers,
          ideasPerPoint: flags.ideasPerPoint,
          reference: { novelty: 0, feasibility: 0, effectiveness: 0 },
          resamples: flags.resamples,
          seed: flags.seed,
          outDir: flags.out,
          reportName: flags.name,
          command: `ideasteer ${process.argv.slice(2).join(" ")}`,
          log,
          progress: flags.progress,
          ...(flags.baseline === undefined ? {} : { baseline: flags.baseline }),
          hypervolumePairs: dynamicStaticPairs(specs),
          ...(flags.saveIdeas === undefined ? {} : { ideasFile: resolve(flags.saveIdeas) }),
        };
        if (shard && run.ideasFile !== undefined) {
          const { ideas } = await generateControlIdeas({ ...run, ideasFile: run.ideasFile, shard });
          process.stdout.write(`${run.ideasFile} (${ideas} ideas of shard ${flags.shard})\n`);
        } else process.stdout.write(`${(await evalControl(run)).reportPath}\n`);
      } finally {
        for (const o of opened) await o.close();
      }
    });
}

export type SystemSpec = {
  name: string;
  modelPath: string;
  control: "none" | "static" | "dynamic";
  /** best-of-<k> (control none), static+ or dynamic+best-of-<k>: K candidates per sentence, kept by --best-of-objective. */
  bestOf?: number;
  /** +top-of-<k>: each idea the best of k by w · score (the training evaluator), as generate -n k ranks them. */
  topOf?: number;
  controllersDir: string; // default: the model's folder (its controllers/ subfolder)
};

/**
 * Where an "independent" evaluator reads a model the training one also reads (an ensemble's member), per dimension,
 * the folders relative to the working directory; logged, and written beside the evaluator in the report.
 */
function sharedWithTraining(rm: string, independent: string, log: Logger): ControlEvaluator["sharedWithTraining"] {
  const shared = Object.fromEntries(
    Object.entries(sharedSources(rm, independent)).map(([d, dirs]) => [d, dirs.map((p) => relative(".", p) || ".")]),
  );
  if (Object.keys(shared).length)
    log.warn("an independent evaluator shares a model with the training one", { evaluator: independent, shared });
  return shared;
}

function decoderIn(dir: string): string {
  const path = decoderFile(dir);
  if (!path)
    throw new ConfigError(
      `no sentence-level decoder in ${dir}`,
      "train one with `ideasteer train decoder --policy <dir>`",
    );
  return path;
}

/** k/n: the shard's index and the number of shards. */
function parseShard(spec: string): ControlShard {
  const m = /^(\d+)\/(\d+)$/.exec(spec);
  if (!m) throw new ConfigError(`--shard ${spec}`, "write k/n with 0 <= k < n, e.g. 0/2 and 1/2 for two runs");
  return { index: Number(m[1]), count: Number(m[2]) };
}

/**
 * Each system under the decoder paired with the one under static control that has the same model, controllers and
 * candidates per sentence: the comparison issue 12 asks for (the decoder's hypervolume above static control's).
 */
export function dynamicStaticPairs(specs: readonly SystemSpec[]): HypervolumePair[] {
  const same = (a: SystemSpec, b: SystemSpec) =>
    a.modelPath === b.modelPath &&
    a.controllersDir === b.controllersDir &&
    a.bestOf === b.bestOf &&
    a.topOf === b.topOf;
  return specs.flatMap((d) => {
    const s = d.control === "dynamic" ? specs.find((x) => x.control === "static" && same(d, x)) : undefined;
    return s ? [{ system: d.name, against: s.name }] : [];
  });
}

/** name=model.gguf:control[+top-of-k][:controllers-dir] */
export function parseSystem(spec: string): SystemSpec {
  const m =
    /^([^=]+)=(.+?):(none|static|dynamic|(static\+|dynamic\+)?best-of-(\d+))(?:\+top-of-(\d+))?(?::(.+))?$/.exec(spec);
  if (!m)
    throw new ConfigError(
      `--system ${spec}`,
      "write name=model.gguf:none, :static, :dynamic, :best-of-<k>, :static+best-of-<k> or :dynamic+best-of-<k>, optionally +top-of-<k>, then optionally :<controllers dir>",
    );
  const modelPath = resolve(m[2] as string);
  if (!existsSync(modelPath)) throw new ConfigError(`--system ${spec}: ${modelPath} not found`, "pass a GGUF file");
  const controllersDir = m[7] ? resolve(m[7]) : dirname(modelPath);
  if (!existsSync(controllersDir))
    throw new ConfigError(`--system ${spec}: ${controllersDir} not found`, "pass a folder");
  const topOf = m[6] ? Number(m[6]) : undefined;
  if (topOf !== undefined && (topOf < 2 || topOf > 64))
    throw new ConfigError(`--system ${spec}: top-of-${topOf}`, "use top-of-2 to top-of-64");
  const base = { name: m[1] as string, modelPath, controllersDir, ...(topOf ? { topOf } : {}) };
  const under = m[4] === "static+" ? "static" : m[4] === "dynamic+" ? "dynamic" : "none";
  if (m[5]) return { ...base, control: under, bestOf: Number(m[5]) };
  return { ...base, control: m[3] as SystemSpec["control"] };
}

/**
 * A system as a generator: the model through llama.cpp, one idea per call; static control through the controllers
 * beside the model, dynamic control through them and controllers/decoder.json, scored on the training evaluator.
 */
export async function openSystem(
  s: SystemSpec,
  trainingRm: RewardModel,
  objective: BestOfKObjective,
  /** Sees the scores of every best-of-K round's candidates (`steer fit-selection` fits on them). */
  onRound?: (scores: Scores[]) => void,
): Promise<{ system: ControlSystem; close(): Promise<void> }> {
  // The prompt and idea (1,024 tokens) and, beside them, each best-of-K candidate's budget: a round decodes together.
  const backend = await openLlama({ modelPath: s.modelPath, contextSize: 1024 + (s.bestOf ?? 0) * SENTENCE_TOKENS });
  if (!isLocalModel(backend)) throw new Error("a builtin model is local");
  const controllers = s.control === "none" ? null : loadControllerSet(s.controllersDir);
  const decoder = s.control === "dynamic" ? loadDecoder(decoderIn(s.controllersDir)) : null;
  const decoderScore = decoder ? decoderScores(decoder) : null; // its inputs: its own reward model
  const cache = createScoreCache();
  const score = async (texts: string[]) => {
    const scores = await scoreIdeas(texts, { model: trainingRm, cache });
    onRound?.(scores);
    return scores;
  };
  const fit = s.bestOf && fittedObjective(objective) ? bestOfKSelection(s.controllersDir, objective) : {};
  const generate = async (paper: { title: string; abstract: string }, w: Scores, seed: number) => {
    for await (const e of generateIdeas(paper, {
      backend,
      n: 1,
      seed,
      temperature: 0.8,
      topP: 0.95,
      maxTokens: 400,
      maxPromptTokens: 480,
      maxAttempts: 3,
      fallback: false, // an idea the control could not write counts as failed, never as an unsteered one
      steering: controllers && !decoder ? staticSteering(controllers, w) : undefined,
      dynamic:
        controllers && decoder && decoderScore ? { controllers, decoder, weights: w, score: decoderScore } : undefined,
      bestOfK: s.bestOf ? { k: s.bestOf, weights: w, score, objective, ...fit } : undefined,
    }))
      if (e.type === "idea") return e.text;
    return "";
  };
  const steers = controllers !== null || s.bestOf !== undefined;
  const system: ControlSystem = { name: s.name, steers, generate, ...(s.topOf ? { topOf: s.topOf } : {}) };
  return { system, close: () => backend.close() };
}
