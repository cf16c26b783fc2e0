import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { ConfigError, NotFoundError } from "../core/index.js";
import { DIMENSIONS, type Scores } from "../idea/index.js";
import {
  type GenerateIdeasOptions,
  generateIdeas,
  type IdeaEvent,
  modelHash,
  type RelatedWork,
  type SourcePaper,
} from "../ideas/index.js";
import { DenseIndex, PaperStore, relatedPapers } from "../library/index.js";
import { type LlmBackend, SHIPPED_POLICY_PATH, SHIPPED_RL_POLICY_PATH } from "../llm/index.js";
import {
  createScoreCache,
  loadRewardModel,
  type RewardModel,
  type ScoreCache,
  SHIPPED_TRANSFORMER_RM_DIR,
  scoreIdeas,
} from "../reward/index.js";
import {
  BEST_OF_K_FIT_FILE,
  type BestOfKObjective,
  controllerFolder,
  FITTED_OBJECTIVES,
  type FittedObjective,
  findBestOfKFit,
  fittedObjective,
  loadBestOfKFit,
  loadControllerSet,
  loadDecoder,
  type SentenceDecoder,
  staticSteering,
} from "../steer/index.js";
import type { CliContext } from "./context.js";

/**
 * The policy builtin generates with when no model path is given: the home's RL policy, else the home's SFT policy,
 * else the shipped RL policy (its ideas score higher at every weight and its controllers steer:
 * docs/reports/control-rl2.md), else the shipped SFT policy.
 */
export function defaultPolicyPath(home: string, shipped = [SHIPPED_RL_POLICY_PATH, SHIPPED_POLICY_PATH]): string {
  const own = ["policy-rl", "policy"].map((name) => join(home, "models", name, "model.gguf"));
  const candidates = [...own, ...shipped];
  const found = candidates.find((p) => existsSync(p));
  if (!found)
    throw new NotFoundError("policy", candidates.join(" or "), "train one with `ideasteer train sft` and export it");
  return found;
}

/** builtin with no model path generates with the default policy (defaultPolicyPath). */
export function withPolicyDefault(ctx: CliContext): CliContext {
  const { llm } = ctx.config;
  if (llm.backend !== "builtin" || llm.modelPath) return ctx;
  return { ...ctx, config: { ...ctx.config, llm: { ...llm, modelPath: defaultPolicyPath(ctx.config.home) } } };
}

/** The library as generation reads it: the paper store and, once `library index` has built it, the dense index. */
export type LibraryHandle = { store: PaperStore; dense: DenseIndex | null; close(): void };

/** The home's library opened read-only, or null when there is none yet. */
export function openLibrary(dbPath: string, log?: CliContext["log"]): LibraryHandle | null {
  if (!PaperStore.exists(dbPath)) return null;
  const store = PaperStore.open(dbPath, { readonly: true, log });
  const dense = DenseIndex.exists(dbPath) ? DenseIndex.open(dbPath, { readonly: true }) : null;
  return {
    store,
    dense,
    close: () => {
      dense?.close();
      store.close();
    },
  };
}

/** Texts in the dense index's space when the library has one (near-duplicate checks compare these), else undefined. */
export function embedTexts(library: LibraryHandle | null, texts: readonly string[]): Float32Array[] | undefined {
  const vectors = texts.map((t) => library?.dense?.embed(t) ?? null);
  return vectors.every((v): v is Float32Array => v !== null) ? vectors : undefined;
}

/**
 * What an idea builds on: the source paper(s), then their nearest prior work in the library (hybrid retrieval:
 * BM25 fused with the dense index when it exists).
 */
export function relatedWork(library: LibraryHandle | null, paper: SourcePaper, sources?: SourcePaper[]): RelatedWork[] {
  const given = sources ?? [paper];
  const source = given.map((p): RelatedWork => ({ id: p.id ?? "(paper file)", title: p.title, role: "source" }));
  const excludeIds = given.flatMap((p) => (p.id ? [p.id] : []));
  const prior = library
    ? relatedPapers(library.store, library.dense, `${paper.title}\n${paper.abstract}`, { limit: 3, excludeIds }).map(
        (h): RelatedWork => ({ id: h.id, title: h.title, role: "prior", year: h.year }),
      )
    : [];
  return [...source, ...prior];
}

/** Content hashes of the models behind an idea (the policy, the reward model, a LoRA adapter). */
export function modelHashes(ctx: CliContext, rewardDir: string, lora?: string): Record<string, string> {
  const { llm } = ctx.config;
  const models: Record<string, string> = {
    policy: llm.backend === "openai" ? `openai:${llm.model}` : modelHash(llm.modelPath),
    reward: modelHash(join(rewardDir, "model.json")),
  };
  if (lora) models.lora = modelHash(lora);
  return models;
}

/**
 * Content hashes of what steered an idea besides the policy, for the control mode that ran: the controllers (static
 * or dynamic), under dynamic control the decoder and the reward model whose scores it reads, and under a fitted
 * best-of-K (whitened, tracking) the fit it selects by (additive keys of DESIGN §9's `models`).
 */
export function controlHashes(
  mode: string,
  controllersDir?: string,
  bestOfObjective?: BestOfKObjective,
): Record<string, string> {
  const hashes: Record<string, string> = {};
  const folder =
    controllersDir && ["static", "static+best-of-k", "dynamic", "dynamic+best-of-k"].includes(mode)
      ? controllerFolder(controllersDir)
      : undefined;
  if (folder) hashes.controllers = modelHash(DIMENSIONS.map((d) => join(folder, `${d}.gguf`)));
  const decoderPath = folder && mode.startsWith("dynamic") ? decoderFile(controllersDir as string) : undefined;
  if (decoderPath) {
    hashes.decoder = modelHash(decoderPath);
    const rm = loadDecoder(decoderPath).rewardModel ?? SHIPPED_TRANSFORMER_RM_DIR;
    hashes.decoderReward = modelHash(join(rm, "model.json"));
  }
  const fitted = fittedObjective(bestOfObjective) && mode.endsWith("best-of-k") && controllersDir;
  const fit = fitted ? findBestOfKFit(controllersDir) : undefined;
  if (fit) hashes.bestOfKFit = modelHash(fit);
  return hashes;
}

/** The control mode generateIdeas options carry out (what controlOptions resolved auto to). */
export const appliedControl = (c: Pick<GenerateIdeasOptions, "steering" | "dynamic" | "bestOfK">): ControlMode =>
  c.dynamic
    ? c.bestOfK
      ? "dynamic+best-of-k"
      : "dynamic"
    : c.steering && c.bestOfK
      ? "static+best-of-k"
      : c.steering
        ? "static"
        : c.bestOfK
          ? "best-of-k"
          : "none";

/** Sampling as `generate` defaults to it (and `serve` uses for /api/ideas). */
export const SAMPLING_DEFAULTS = {
  temperature: 0.8,
  topP: 0.95,
  maxTokens: 512,
  maxPromptTokens: 480, // the cut `train sft` trained with
  maxAttempts: 6,
} as const;

/**
 * Ideas for one paper at a time, as `generate` makes them on a backend that is already open: sampled with
 * SAMPLING_DEFAULTS, steered by the control mode for each call's weights (auto: the decoder beside the shipped
 * policy), scored by the reward model, related to the paper's nearest prior work in the library. For callers that
 * generate for many papers with their own weights each (`digest run`).
 */
export function paperIdeas(o: {
  ctx: CliContext;
  backend: LlmBackend;
  rewardModel: RewardModel;
  scoreCache: ScoreCache;
  library: LibraryHandle | null;
  control: string;
  bestOf: number;
  bestOfObjective?: BestOfKObjective;
  seed: number;
}): (paper: SourcePaper, g: { n: number; weights: Scores }) => AsyncIterable<IdeaEvent> {
  const { llm } = o.ctx.config;
  const controllersDir = policyFolder(o.ctx);
  const score = (texts: string[]) => scoreIdeas(texts, { model: o.rewardModel, cache: o.scoreCache });
  return (paper, g) =>
    generateIdeas(paper, {
      backend: o.backend,
      n: g.n,
      seed: o.seed,
      ...SAMPLING_DEFAULTS,
      rewardModel: o.rewardModel,
      scoreCache: o.scoreCache,
      related: relatedWork(o.library, paper),
      ...controlOptions(o.control, {
        controllersDir,
        openai: llm.backend === "openai",
        bestOf: o.bestOf,
        ...(o.bestOfObjective ? { bestOfObjective: o.bestOfObjective } : {}),
        weights: g.weights,
        score,
      }),
    });
}

/** Where paperIdeas finds controllers: beside the policy. */
const policyFolder = (ctx: CliContext) => (ctx.config.llm.modelPath ? dirname(ctx.config.llm.modelPath) : undefined);

/**
 * What steers paperIdeas' ideas besides the policy, hashed as `generate` records it (controlHashes). The mode a
 * control resolves to does not depend on the weights, so equal ones stand in.
 */
export function paperIdeasControlHashes(
  ctx: CliContext,
  control: string,
  bestOf: number,
  bestOfObjective?: BestOfKObjective,
): Record<string, string> {
  const controllersDir = policyFolder(ctx);
  const applied = controlOptions(control, {
    controllersDir,
    openai: ctx.config.llm.backend === "openai",
    bestOf,
    ...(bestOfObjective ? { bestOfObjective } : {}),
    weights: { novelty: 1 / 3, feasibility: 1 / 3, effectiveness: 1 / 3 },
    score: async () => [],
  });
  return controlHashes(appliedControl(applied), controllersDir, bestOfObjective);
}

export const CONTROL_MODES = [
  "auto",
  "none",
  "static",
  "dynamic",
  "best-of-k",
  "static+best-of-k",
  "dynamic+best-of-k",
] as const;
export type ControlMode = (typeof CONTROL_MODES)[number];

/**
 * What a control mode asks of generateIdeas: auto (dynamic where the model has controllers and a decoder, else none);
 * none; best-of-k (K candidates per sentence, the reward models keep one;
 * any backend, and what dynamic means on openai, which takes no control vectors); static (eps = eps-max · w through
 * the controllers in `controllersDir` or its controllers/); dynamic (the sentence-level decoder, decoder.json beside
 * them, sets the strengths sentence by sentence); static+best-of-k (K candidates per sentence sampled under the
 * static vector; a local model); dynamic+best-of-k (K candidates per sentence sampled under the strengths the decoder
 * sets before each sentence; a local model).
 */
export function controlOptions(
  mode: string,
  o: {
    controllersDir?: string;
    openai: boolean;
    bestOf: number;
    /** What best-of-K keeps (default weighted: w · r). */
    bestOfObjective?: BestOfKObjective;
    weights: Scores;
    score: (texts: string[]) => Promise<Scores[]>;
  },
): Pick<GenerateIdeasOptions, "steering" | "dynamic" | "bestOfK"> {
  if (!(CONTROL_MODES as readonly string[]).includes(mode))
    throw new ConfigError(`--control ${mode}`, `use ${CONTROL_MODES.join(", ")}`);
  if (mode === "auto")
    return controlOptions(
      !o.openai && availableControls(o.controllersDir, true).includes("dynamic") ? "dynamic" : "none",
      o,
    );
  if (mode === "none") return {};
  const objective = o.bestOfObjective ?? "weighted";
  const bestOfK = {
    k: o.bestOf,
    weights: o.weights,
    score: o.score,
    objective,
    ...(fittedObjective(objective) ? bestOfKSelection(o.controllersDir, objective) : {}),
  };
  if (mode === "best-of-k" || (mode === "dynamic" && o.openai)) return { bestOfK };
  if (mode.endsWith("+best-of-k") && o.openai)
    throw new ConfigError(`--control ${mode} on a server`, "control vectors need a local model; use best-of-k");
  const dir = o.controllersDir;
  if (!dir)
    throw new ConfigError(`--control ${mode} needs controllers`, "pass --controllers <dir with controllers/*.gguf>");
  const set = loadControllerSet(dir);
  if (mode === "static") return { steering: staticSteering(set, o.weights) };
  if (mode === "static+best-of-k") return { steering: staticSteering(set, o.weights), bestOfK };
  const decoderPath = decoderFile(dir);
  if (!decoderPath)
    throw new ConfigError(
      `--control ${mode} needs a sentence-level decoder beside the controllers in ${dir}`,
      "train one with `ideasteer train decoder --policy <dir>`, or use --control static",
    );
  const decoder = loadDecoder(decoderPath);
  const dynamic = { controllers: set, decoder, weights: o.weights, score: decoderScores(decoder) };
  return mode === "dynamic+best-of-k" ? { dynamic, bestOfK } : { dynamic };
}

/** Σ (and, for an objective that takes one, its λ) for the fitted best-of-K objectives: the fit beside the controllers. */
export function bestOfKSelection(
  dir: string | undefined,
  objective: FittedObjective,
): { covariance: number[][]; step?: number } {
  const fit = dir ? loadBestOfKFit(dir) : null;
  const refit = "fit it with `ideasteer steer fit-selection --system <name=model.gguf:dynamic+best-of-8:controllers>`";
  if (!fit)
    throw new ConfigError(
      `--best-of-objective ${objective} needs ${BEST_OF_K_FIT_FILE} in ${dir ?? "the controllers folder (--controllers)"}`,
      refit,
    );
  const field = FITTED_OBJECTIVES[objective].lambda;
  if (field === null) return { covariance: fit.covariance };
  const step = fit[field];
  if (step === undefined)
    throw new ConfigError(
      `--best-of-objective ${objective}: the fit in ${dir} has no ${field}`,
      field === "anchoredStep"
        ? "set anchoredStep in its best-of-k.json from val probes of `eval control --best-of-objective anchored` (a replay cannot choose it), or use --best-of-objective tracking"
        : `${refit} (a fit written before tracking has none)`,
    );
  return { covariance: fit.covariance, step };
}

const decoderScorers = new Map<string, (texts: string[]) => Promise<Scores[]>>();

/**
 * Scores from the reward model the decoder was trained against (its inputs), not the one that ranks the ideas:
 * its file's `rewardModel`, else the transformer that `train decoder` uses by default. Loaded once per process
 * (serve and digest ask per request / per paper).
 */
export function decoderScores(decoder: SentenceDecoder): (texts: string[]) => Promise<Scores[]> {
  const dir = decoder.rewardModel ?? SHIPPED_TRANSFORMER_RM_DIR;
  let scorer = decoderScorers.get(dir);
  if (!scorer) {
    const model = loadRewardModel(dir);
    const cache = createScoreCache();
    scorer = (texts) => scoreIdeas(texts, { model, cache });
    decoderScorers.set(dir, scorer);
  }
  return scorer;
}

/**
 * The control modes a model folder supports: none; best-of-k on a local model (it continues raw text); static
 * where controllers sit in it or its controllers/ (and static+best-of-k on a local model); dynamic where a decoder
 * sits beside them (and dynamic+best-of-k on a local model).
 */
export function availableControls(dir: string | undefined, local: boolean): Exclude<ControlMode, "auto">[] {
  const controllers = dir !== undefined && controllerFolder(dir) !== undefined;
  return [
    "none",
    ...(local ? (["best-of-k"] as const) : []),
    ...(controllers ? (["static"] as const) : []),
    ...(controllers && local ? (["static+best-of-k"] as const) : []),
    ...(controllers && decoderFile(dir as string) ? (["dynamic"] as const) : []),
    ...(controllers && local && decoderFile(dir as string) ? (["dynamic+best-of-k"] as const) : []),
  ];
}

/** The sentence-level decoder beside the controllers in `dir` (its controllers/ or itself), if any. */
export const decoderFile = (dir: string): string | undefined =>
  [join(dir, "controllers", "decoder.json"), join(dir, "decoder.json")].find((p) => existsSync(p));
