import { copyFileSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { ConfigError, type Logger, writeFileAtomic } from "../core/index.js";
import { newestDataset } from "../datasets/index.js";
import {
  type BpeTokenizer,
  createLlama,
  type LlamaModel,
  loadLlamaWeights,
  loadTokenizer,
  type Param,
  storedValues,
  writeLlamaGguf,
} from "../engine/index.js";
import { DIMENSIONS, type Dimension } from "../idea/index.js";
import {
  poolAndPredict,
  predictRaw,
  type RewardHeads,
  TRANSFORMER_RM_FORMAT,
  type TransformerRewardFile,
} from "../reward/index.js";
import { loadBaseModel } from "./base-model.js";
import { bestCheckpoint } from "./best-checkpoint.js";
import { loadCheckpoint } from "./checkpoint.js";
import { type RmConfig, RmConfig as RmConfigSchema, withRmSchedule } from "./rm-config.js";
import { createRmSampler, type RmBatch, type RmPaper, readRmPapers, rmBatch } from "./rm-data.js";
import { pairwiseRankTerm } from "./rm-pairwise.js";
import type { StageParts, TrainLoss, TrainStage } from "./train-stage.js";
import { train } from "./trainer.js";

const K = DIMENSIONS.length;
const HEAD_W = "rm.heads.weight";
const HEAD_B = "rm.heads.bias";

/**
 * How validation predictions are judged, per dimension (the stage cannot import eval/): e.g. the mean
 * within-venue-year Spearman of raw predictions against the labels. Returns one figure per dimension.
 */
export type RmValidationScore = (
  d: Dimension,
  predictions: number[],
  labels: number[],
  groups: string[],
) => number | null;

export type RmParts = StageParts<RmBatch> & {
  llama: LlamaModel;
  tokenizer: BpeTokenizer;
  heads: RewardHeads;
  val: RmPaper[];
};

/** The backbone's parameters plus the three heads, as one map for AdamW and checkpoints. */
function headParams(d: number, seed: number): { w: Param; b: Param } {
  // Small random heads: the pooled features start near zero, so predictions start near the (z-scored) mean.
  let x = seed >>> 0;
  const w = new Float32Array(K * d).map(() => {
    x = (Math.imul(x, 1_664_525) + 1_013_904_223) >>> 0;
    return ((x / 2 ** 32) * 2 - 1) * (0.02 / Math.sqrt(d));
  });
  return {
    w: { shape: [K, d], data: w, grad: new Float32Array(K * d) },
    b: { shape: [K], data: new Float32Array(K), grad: new Float32Array(K) },
  };
}

/**
 * The masked MSE of the heads' predictions and its gradient: Σ_b,k m·(ŷ−y)², with ŷ = W·mean_t(h_b,t) + b, plus
 * the pairwise ranking term where `pairwise.weight` > 0 (rm-pairwise.ts). The gradient reaches the heads directly
 * and the backbone through d/dh of the mean (spread evenly over each text's tokens).
 */
function headLossAndGrad(
  hidden: Float32Array,
  batch: RmBatch,
  d: number,
  head: { w: Param; b: Param },
  gradScale: number,
  pairwise: { weight: number; margin: number },
): { loss: number; dHidden: Float32Array | null } {
  const { pooled, raw } = poolAndPredict(hidden, batch.lengths, batch.T, d, { w: head.w.data, b: head.b.data });
  let loss = 0;
  const dRaw = new Float32Array(batch.B * K);
  for (let i = 0; i < batch.B * K; i++) {
    const m = batch.mask[i] as number;
    const r = (raw[i] as number) - (batch.targets[i] as number);
    loss += m * r * r;
    dRaw[i] = 2 * m * r * gradScale;
  }
  loss += pairwiseRankTerm(raw, batch, { ...pairwise, gradScale, dRaw }).loss;
  if (gradScale === 0) return { loss, dHidden: null };
  const dHidden = new Float32Array(batch.B * batch.T * d);
  for (let b = 0; b < batch.B; b++) {
    const n = batch.lengths[b] as number;
    const dPooled = new Float32Array(d);
    for (let k = 0; k < K; k++) {
      const g = dRaw[b * K + k] as number;
      if (g === 0) continue;
      head.b.grad[k] = (head.b.grad[k] as number) + g;
      for (let j = 0; j < d; j++) {
        head.w.grad[k * d + j] = (head.w.grad[k * d + j] as number) + g * (pooled[b * d + j] as number);
        dPooled[j] = (dPooled[j] as number) + g * (head.w.data[k * d + j] as number);
      }
    }
    for (let t = 0; t < n; t++)
      for (let j = 0; j < d; j++) dHidden[(b * batch.T + t) * d + j] = (dPooled[j] as number) / n;
  }
  return { loss, dHidden };
}

/** The reward-model stage on the trainer skeleton (issue 11): data, backbone + heads, masked MSE, val Spearman. */
export function rmStage(o: {
  home: string;
  validationScore: RmValidationScore;
  onSetup?: (parts: RmParts) => void;
}): TrainStage<RmConfig, RmBatch> {
  return {
    name: "rm",
    config: RmConfigSchema,
    setup(cfg, run) {
      const base = loadBaseModel(cfg.init);
      const tokenizer = loadTokenizer(base.tokenizerPath);
      const dataset = rmDataset(cfg, o.home);
      const trainPapers = readRmPapers(dataset, "train", cfg.standardize, cfg.dimensions);
      const val = readRmPapers(dataset, "val", cfg.standardize, cfg.dimensions);
      run.log.info("reward-model data", { dataset, train: trainPapers.length, val: val.length });
      const llama = createLlama(base.llamaConfig, { seed: cfg.seed });
      loadLlamaWeights(llama, base.weights);
      const d = base.llamaConfig.dModel;
      const head = headParams(d, cfg.seed);
      const params = new Map<string, Param>([...llama.params, [HEAD_W, head.w], [HEAD_B, head.b]]);
      const heads: RewardHeads = { w: head.w.data, b: head.b.data };
      const run1 = (batch: RmBatch, gradScale: number) => {
        const h = llama.forward(batch.tokens, batch.B, batch.T, { output: "hidden", grad: gradScale !== 0 });
        const r = headLossAndGrad(h.data as Float32Array, batch, d, head, gradScale, {
          weight: cfg.pairwise,
          margin: cfg.pairMargin,
        });
        if (r.dHidden) h.backward(r.dHidden);
        return r.loss;
      };
      const loss: TrainLoss<RmBatch> = {
        weight: (b) => b.mask.reduce((a, m) => a + m, 0),
        positions: (b) => b.B * b.T,
        lossAndGrad: (b, g) => run1(b, g.gradScale),
        evalLoss: (b) => run1(b, 0),
      };
      const valBatches = chunk(val, cfg.batchSize).map((ps) =>
        rmBatch(
          ps,
          ps.map((p) => p.text),
          tokenizer,
          cfg.maxTokens,
        ),
      );
      const parts: RmParts = {
        llama,
        tokenizer,
        heads,
        val,
        model: {
          params,
          zeroGrad: () => {
            for (const p of params.values()) p.grad.fill(0);
          },
          llamaConfig: base.llamaConfig,
          tokenizerPath: base.tokenizerPath,
        },
        openData: (cursor) =>
          createRmSampler(trainPapers, {
            B: cfg.batchSize,
            seed: cfg.seed,
            tok: tokenizer,
            maxTokens: cfg.maxTokens,
            prefixAugment: cfg.prefixAugment,
            cursor,
          }),
        valBatches,
        loss,
        hooks: { evaluate: () => validationMetrics(parts, cfg, o.validationScore) },
        plotPanels: [
          {
            title: cfg.pairwise > 0 ? "loss (masked MSE + pairwise term, per label)" : "loss (masked MSE per label)",
            keys: ["loss/train", "loss/val"],
          },
          {
            title: "val Spearman within venue-year",
            keys: ["rm/val_spearman", ...DIMENSIONS.map((x) => `rm/${x}/val_spearman`)],
          },
          { title: "learning rate", keys: ["lr"] },
        ],
      };
      o.onSetup?.(parts);
      return parts;
    },
  };
}

/** Per-dimension validation figures of the current weights, and their mean (what early stopping watches). */
function validationMetrics(parts: RmParts, cfg: RmConfig, score: RmValidationScore): Record<string, number> {
  const raw = predictRaw(
    parts.llama,
    parts.tokenizer,
    parts.heads,
    parts.val.map((p) => p.text),
    { maxTokens: cfg.maxTokens },
  );
  const out: Record<string, number> = {};
  const figures: number[] = [];
  DIMENSIONS.forEach((dim, k) => {
    const idx = parts.val.flatMap((p, i) => (Number.isNaN(p.labels[k] as number) ? [] : [i]));
    const v = score(
      dim,
      idx.map((i) => raw[i * K + k] as number),
      idx.map((i) => parts.val[i]?.labels[k] as number),
      idx.map((i) => parts.val[i]?.venueYear as string),
    );
    if (v !== null && Number.isFinite(v)) {
      out[`rm/${dim}/val_spearman`] = v;
      figures.push(v);
    }
  });
  if (figures.length) out["rm/val_spearman"] = figures.reduce((a, b) => a + b, 0) / figures.length;
  return out;
}

function rmDataset(cfg: RmConfig, home: string): string {
  const dir = cfg.dataset || newestDataset(home, "rm.effectiveness.train.jsonl");
  if (!dir)
    throw new ConfigError(
      `no reward-model dataset under ${home}/datasets`,
      "run `ideasteer data build` or pass --dataset",
    );
  return dir;
}

const chunk = <T>(xs: readonly T[], n: number): T[][] =>
  Array.from({ length: Math.ceil(xs.length / n) }, (_, i) => xs.slice(i * n, (i + 1) * n));

/**
 * `ideasteer train rm`: the stage on its schedule, then the checkpoint with the best val Spearman written as a
 * reward-model folder (model.json with the heads and the val predictions for the percentile map, backbone.gguf,
 * tokenizer.json) that `score`, `eval rm --model` and `generate --reward-model` load.
 */
export async function trainRm(o: {
  config?: RmConfig;
  resume?: string;
  home: string;
  out: string;
  validationScore: RmValidationScore;
  command: string;
  log: Logger;
  progress?: boolean;
  signal?: AbortSignal;
}): Promise<{ runDir: string; out: string; metrics: Record<string, number> }> {
  let parts: RmParts | undefined;
  const stage = rmStage({ home: o.home, validationScore: o.validationScore, onSetup: (p) => (parts = p) });
  const config = o.config
    ? withRmSchedule(
        o.config,
        Math.ceil(
          readRmPapers(rmDataset(o.config, o.home), "train", false, o.config.dimensions).length / o.config.batchSize,
        ),
      )
    : undefined;
  const r = await train(stage, { ...o, config, runsRoot: join(o.home, "runs") });
  if (!parts) throw new Error("train rm: the stage's setup did not run");
  const best = bestCheckpoint(r.runDir, r.config.earlyStoppingMetric, r.config.earlyStoppingMode);
  const metrics = Object.fromEntries(
    Object.entries(best.record).filter((e): e is [string, number] => e[0] !== "step" && typeof e[1] === "number"),
  );
  exportRewardModel({ parts, checkpoint: best.dir, cfg: r.config, out: o.out, command: o.command, metrics });
  return { runDir: r.runDir, out: o.out, metrics };
}

/** Writes the reward-model folder from a checkpoint: the backbone as GGUF, the heads and the percentile references. */
function exportRewardModel(o: {
  parts: RmParts;
  checkpoint: string;
  cfg: RmConfig;
  out: string;
  command: string;
  metrics: Record<string, number>;
}): void {
  const ck = loadCheckpoint(o.checkpoint);
  const { parts } = o;
  const fileType = o.cfg.exportType === "f16" ? "F16" : "F32";
  const backbone = new Map(
    [...ck.weights].filter(([k]) => !k.startsWith("rm.")).map(([k, t]) => [k, storedValues(fileType, t.shape, t.data)]),
  );
  // The percentile map is read from the weights as shipped, so an f16 model's scores keep their meaning.
  loadLlamaWeights(parts.llama, backbone);
  parts.heads.w.set(ck.weights.get(HEAD_W)?.data ?? []);
  parts.heads.b.set(ck.weights.get(HEAD_B)?.data ?? []);
  const raw = predictRaw(
    parts.llama,
    parts.tokenizer,
    parts.heads,
    parts.val.map((p) => p.text),
    { maxTokens: o.cfg.maxTokens },
  );
  const d = ck.llamaConfig.dModel;
  const all = DIMENSIONS.every((dim) => o.cfg.dimensions.includes(dim));
  const file: TransformerRewardFile = {
    format: TRANSFORMER_RM_FORMAT,
    version: 1,
    // Names key score caches: a per-dimension model must not share one with the three-headed model.
    name: all ? "transformer-rm" : `transformer-rm-${o.cfg.dimensions.join("-")}`,
    maxTokens: o.cfg.maxTokens,
    ...(all ? {} : { dimensions: o.cfg.dimensions }),
    heads: Object.fromEntries(
      DIMENSIONS.map((dim, k) => [
        dim,
        { w: Array.from(parts.heads.w.subarray(k * d, (k + 1) * d)), b: parts.heads.b[k] as number },
      ]),
    ) as TransformerRewardFile["heads"],
    reference: Object.fromEntries(
      DIMENSIONS.map((dim, k) => [dim, parts.val.map((_, i) => raw[i * K + k] as number).sort((a, b) => a - b)]),
    ) as TransformerRewardFile["reference"],
    provenance: { checkpoint: o.checkpoint, command: o.command, createdAt: new Date().toISOString(), config: o.cfg },
    metrics: o.metrics,
  };
  mkdirSync(o.out, { recursive: true });
  writeLlamaGguf(join(o.out, "backbone.gguf"), {
    config: ck.llamaConfig,
    weights: backbone,
    tokenizer: parts.tokenizer.toGgufTokenizer(),
    fileType,
    name: "ideasteer-rm-backbone",
  });
  copyFileSync(ck.tokenizerPath, join(o.out, "tokenizer.json"));
  writeFileAtomic(join(o.out, "model.json"), `${JSON.stringify(file)}\n`);
}
