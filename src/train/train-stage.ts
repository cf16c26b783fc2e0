import type { z } from "zod";
import type { Logger, Rng } from "../core/index.js";
import type { LlamaConfig, Param, TokenBatch } from "../engine/index.js";
import type { PlotPanel } from "./metrics-svg.js";
import type { TrainerConfig } from "./trainer-config.js";

/** What a checkpoint's JSON can hold: a data cursor, a stage's extra state. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/** The trained model as the trainer sees it: parameters to step and checkpoint, and what describes them. */
export type TrainerModel = {
  readonly params: Map<string, Param>;
  zeroGrad(): void;
  /** Written into every checkpoint so it describes itself (`train export` reads it). */
  readonly llamaConfig: LlamaConfig;
  /** The tokenizer file copied into every checkpoint. */
  readonly tokenizerPath: string;
};

/**
 * Micro-batches in a fixed order whose position is a small JSON cursor: a data source rebuilt from the cursor
 * of a checkpoint yields exactly the batches the interrupted run would have (exact data order restore). One that
 * draws random numbers (rollouts) keeps its RNG state in the cursor. `next` may be async (generation).
 */
export type DataSource<B> = { next(): B | Promise<B>; cursor(): JsonValue };

/**
 * The stage's objective on one micro-batch. The step's loss is Σ_micro loss / Σ_micro weight, so the trainer
 * asks every micro-batch's weight first and passes gradScale = 1 / Σ weight to each backward: the gradients
 * are those of the step's mean loss whatever the accumulation.
 */
export type TrainLoss<B> = {
  /** The normaliser's share of this micro-batch: the tokens that carry loss (`lossTokens`), or the items' weights. */
  weight(batch: B): number;
  /** Positions the forward pass runs on (B·T for token batches): throughput only, never the normaliser. */
  positions(batch: B): number;
  /** The summed (unnormalised) loss; adds d(gradScale · loss)/dθ to the params' grads. */
  lossAndGrad(batch: B, o: { gradScale: number }): number;
  /** The summed loss without gradients, for evaluation on held-out batches. */
  evalLoss(batch: B): number;
  /** Extra training metrics of a micro-batch after its lossAndGrad (RL: rewards, KL, length); averaged per step. */
  metrics?(batch: B): Record<string, number>;
};

/** What a hook is told: the step it runs at, the run folder, and the trainer's RNG (sampling draws from it). */
export type HookContext = { step: number; runDir: string; rng: Rng; log: Logger };

/** Optional behaviour around the loop; each may be async. */
export type TrainHooks = {
  /** Extra metrics for the evaluation record (beside loss/val), e.g. `rm/novelty/spearman`. */
  evaluate?(ctx: HookContext): Record<string, number> | Promise<Record<string, number>>;
  /** Rows for samples.jsonl (the trainer adds `step`), e.g. `{ prompt, text }`. */
  sample?(ctx: HookContext): Record<string, JsonValue>[] | Promise<Record<string, JsonValue>[]>;
  /** After each optimizer step, with that step's training metrics. */
  onStep?(ctx: HookContext, metrics: Record<string, number>): void | Promise<void>;
  /** After a checkpoint is written, with its folder. */
  onCheckpoint?(ctx: HookContext, dir: string): void | Promise<void>;
  /** Extra state a checkpoint carries (JSON) and how to restore it, for state that is neither weights nor RNG. */
  extraState?: { save(): JsonValue; load(state: unknown): void };
};

/** What a stage's setup builds from its config: the model, the data, the objective and the hooks. */
export type StageParts<B> = {
  model: TrainerModel;
  /** The training stream, from the start (cursor undefined) or from a checkpoint's cursor (validate it). */
  openData(cursor: unknown): DataSource<B>;
  /** Fixed held-out micro-batches for loss/val (empty: no loss/val). */
  valBatches: B[];
  loss: TrainLoss<B>;
  hooks?: TrainHooks;
  /** The panels of curves.svg (default: loss/train with loss/val, and lr). */
  plotPanels?: PlotPanel[];
};

/**
 * A training stage is a name, a config schema (extending TrainerConfig) and a setup; the trainer does the rest.
 * `B` is the micro-batch type, TokenBatch for token losses (pretraining, SFT).
 */
export type TrainStage<C extends TrainerConfig, B = TokenBatch> = {
  /** runs/<name>-<yyyymmdd-hhmmss>/ and the progress label. */
  name: string;
  /** Validates a run folder's config.json on resume. */
  config: z.ZodType<C>;
  setup(config: C, run: { runDir: string; log: Logger }): StageParts<B> | Promise<StageParts<B>>;
};
