import { copyFileSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { ConfigError, createRng, type Logger, writeFileAtomic } from "../core/index.js";
import { newestDataset } from "../datasets/index.js";
import {
  type BpeTokenizer,
  createLlama,
  fromOp,
  type LlamaConfig,
  type LlamaModel,
  llamaWeights,
  loadLlamaWeights,
  loadTokenizer,
  type Param,
  parameter,
  tokenLogProbs,
  writeLlamaGguf,
} from "../engine/index.js";
import { DIMENSIONS, type Dimension } from "../idea/index.js";
import { SHIPPED_POLICY_PATH } from "../llm/index.js";
import { createScoreCache, loadRewardModel, type RewardModel, SHIPPED_TRANSFORMER_RM_DIR } from "../reward/index.js";
import { type ControllerSet, loadControllerSet, writeControlVectorGguf } from "../steer/index.js";
import { loadBaseModel } from "./base-model.js";
import { loadCheckpoint } from "./checkpoint.js";
import { RlConfig } from "./rl-config.js";
import { clippedSurrogate, k3Kl } from "./rl-objective.js";
import {
  type Controllers,
  createRolloutSource,
  openRolloutSampler,
  PROBE_WEIGHTS,
  type RlBatch,
  type RlPrompt,
  rewardTexts,
  steerVectors,
} from "./rl-rollouts.js";
import { readSftRows, tokenizeSftRow } from "./sft-data.js";
import type { StageParts, TrainLoss, TrainStage } from "./train-stage.js";
import { train } from "./trainer.js";

const ctrlName = (d: Dimension, l: number) => `rl.controller.${d}.${l}`;

export type RlParts = StageParts<RlBatch> & {
  policy: LlamaModel;
  tokenizer: BpeTokenizer;
  controllers: Controllers;
  reward: RewardModel;
};

/** The RL stage on the trainer skeleton (DESIGN §5, issue 12): rollouts as data, the clipped PG + KL as loss. */
export function rlStage(o: { home: string; onSetup?: (p: RlParts) => void }): TrainStage<RlConfig, RlBatch> {
  return {
    name: "rl",
    config: RlConfig,
    setup(cfg, run) {
      // 1. The policy (trained), its frozen reference (SFT), the controllers, the reward models.
      const base = loadBaseModel(cfg.init || SHIPPED_POLICY_PATH);
      const tokenizer = loadTokenizer(base.tokenizerPath);
      const policy = createLlama(base.llamaConfig, { seed: cfg.seed });
      loadLlamaWeights(policy, base.weights);
      const reference = createLlama(base.llamaConfig, { seed: cfg.seed });
      loadLlamaWeights(reference, cfg.reference ? referenceWeights(cfg.reference, base.llamaConfig) : base.weights);
      const controllers = newControllers(base.llamaConfig.nLayers, base.llamaConfig.dModel, cfg.controllerFrom);
      if (cfg.controllersInit) startControllersFrom(controllers, loadControllerSet(cfg.controllersInit), cfg);
      const reward = loadRewardModel(cfg.rewardModel || SHIPPED_TRANSFORMER_RM_DIR);
      const params = new Map<string, Param>(cfg.frozenPolicy ? [] : [...policy.params]);
      for (const d of DIMENSIONS) for (const [l, v] of controllers[d].entries()) if (v) params.set(ctrlName(d, l), v);

      // 2. Prompts: the training papers' policy prompts; evaluation: held-out papers.
      const files = promptFiles(cfg, o.home);
      const prompts = readPrompts(files.train, tokenizer, cfg.maxPromptTokens);
      const heldOut = readPrompts(files.val, tokenizer, cfg.maxPromptTokens).slice(0, cfg.evalPapers);
      run.log.info("rl data", { train: prompts.length, eval: heldOut.length, reward: reward.name });
      const cache = createScoreCache();
      // llama.cpp samples from the weights of this very step: written before each batch and evaluation.
      const exportPolicy = () => {
        const path = join(run.runDir, "rollout-policy.gguf");
        writeLlamaGguf(path, {
          config: base.llamaConfig,
          weights: llamaWeights(policy),
          tokenizer: tokenizer.toGgufTokenizer(),
          fileType: "F32",
          name: "ideasteer-policy-rollout",
        });
        return path;
      };
      const loss = rlLoss(policy, controllers, cfg);
      let last: RlBatch | undefined;
      const parts: RlParts = {
        policy,
        tokenizer,
        controllers,
        reward,
        model: {
          params,
          zeroGrad: () => {
            policy.zeroGrad();
            for (const p of params.values()) p.grad.fill(0);
          },
          llamaConfig: base.llamaConfig,
          tokenizerPath: base.tokenizerPath,
        },
        openData: (cursor) => {
          const source = createRolloutSource({
            exportPolicy,
            prompts,
            policy,
            reference,
            tokenizer,
            controllers,
            reward,
            cache,
            cfg,
            cursor,
          });
          return {
            cursor: source.cursor,
            next: async () => {
              last = await source.next();
              return last;
            },
          };
        },
        valBatches: [],
        loss,
        hooks: {
          evaluate: () =>
            evaluateControl({ policy, tokenizer, controllers, reward, cfg, papers: heldOut, exportPolicy }),
          sample: () =>
            (last?.rollouts ?? []).map((r) => ({
              paper: r.prompt.id,
              weights: r.weights,
              text: r.text,
              rewards: r.rewards,
              degenerate: r.degenerate,
              outOfLayout: r.outOfLayout,
            })),
        },
        plotPanels: [
          { title: "reward per dimension", keys: DIMENSIONS.map((d) => `reward/${d}`) },
          {
            title: "weighted reward (train, the rewarded ideas only, val)",
            keys: ["reward/weighted", "reward/weighted_rewarded", "rl/val_weighted_reward"],
          },
          { title: "centred reward (w − w̄) · r, rewarded ideas", keys: ["reward/centred_rewarded"] },
          { title: "KL to SFT, entropy estimate", keys: ["rl/kl", "rollout/neg_logp"] },
          { title: "length (tokens)", keys: ["rollout/length"] },
          {
            title: "distinct-2, degenerate and out-of-layout shares",
            keys: ["rollout/distinct2", "rollout/degenerate", "rollout/out_of_layout"],
          },
        ],
      };
      o.onSetup?.(parts);
      return parts;
    },
  };
}

/** Zero controllers from `from` to the last layer: steering starts as a no-op and RL learns the directions. */
function newControllers(nLayers: number, dModel: number, from: number): Controllers {
  return Object.fromEntries(
    DIMENSIONS.map((d) => [
      d,
      Array.from({ length: nLayers }, (_, l) =>
        l >= from ? { shape: [dModel], data: new Float32Array(dModel), grad: new Float32Array(dModel) } : undefined,
      ),
    ]),
  ) as Controllers;
}

/**
 * Controllers that start where another set steers (e.g. contrast-extracted ones, `steer extract`), so RL refines
 * directions that already move the ideas instead of learning them from zero. Generation applies epsMax_set · w · u,
 * RL applies cfg.epsMax · controllerScale · w · v, so v = u · epsMax_set / (cfg.epsMax · controllerScale).
 */
function startControllersFrom(c: Controllers, set: ControllerSet, cfg: RlConfig): void {
  if (cfg.epsMax === 0)
    throw new ConfigError("--controllers-init needs eps-max > 0", "set --eps-max to 1 (the default)");
  const scale = set.epsMax / (cfg.epsMax * cfg.controllerScale);
  for (const d of DIMENSIONS) {
    const from = set.vectors[d];
    c[d].forEach((v, l) => {
      const u = from[l];
      if (!v || !u) return;
      if (u.length !== v.data.length)
        throw new ConfigError(
          `controllers in ${set.dir} are ${u.length} wide at layer ${l}; the policy's width is ${v.data.length}`,
          "extract controllers for this policy: `ideasteer steer extract --model-path <its model.gguf>`",
        );
      for (let j = 0; j < u.length; j++) v.data[j] = (u[j] as number) * scale;
    });
  }
}

/** The KL reference's weights: another policy of the same shape (e.g. SFT when RL continues from an RL policy). */
function referenceWeights(path: string, config: LlamaConfig) {
  const ref = loadBaseModel(path);
  if (JSON.stringify(ref.llamaConfig) !== JSON.stringify(config))
    throw new ConfigError(
      `the reference ${path} is not shaped like the init policy`,
      "pass a policy of the same base model",
    );
  return ref.weights;
}

/**
 * The loss on one batch of rollouts, per action token i of row b (sequence credit):
 *   L_i = −min(ρ_i A_b, clip(ρ_i, 1 − ε, 1 + ε) A_b) + β · KL_k3(π_θ ‖ π_ref)_i,   ρ_i = π_θ(a_i) / π_old(a_i)
 * With sentence credit (macro actions, MA-RLHF) the ratio is a sentence's: ρ_s = Π_{i∈s} ρ_i, clipped once, and
 * every token of s gets the sentence's gradient. Steering is Σ_k eps_b,k v_k,l per row, differentiable in v.
 */
function rlLoss(policy: LlamaModel, controllers: Controllers, cfg: RlConfig): TrainLoss<RlBatch> {
  const run = (b: RlBatch, gradScale: number) => {
    const grad = gradScale !== 0;
    // The batch's steering was built when it was drawn; the controllers have not moved since (one update per batch).
    const steer = grad ? trainableSteering(controllers, b) : b.steering;
    const logits = policy.forward(b.tokens, b.B, b.T, { grad, steer });
    const lp = tokenLogProbs(logits, b.targets);
    const seed = new Float32Array(lp.size);
    let loss = 0;
    let kl = 0;
    let clipped = 0;
    let actions = 0;
    const sentences = cfg.credit === "sentence" ? sentenceSurrogate(b, lp.data, cfg.clip) : null;
    loss += sentences?.loss ?? 0;
    for (let i = 0; i < lp.size; i++) {
      if (!b.action[i]) continue;
      const row = Math.floor(i / b.T);
      const logp = lp.data[i] as number;
      const s = sentences
        ? { loss: 0, dLogp: sentences.dLogp.get(i) ?? 0 }
        : clippedSurrogate(logp, b.logpOld[i] as number, b.advantage[row] as number, cfg.clip);
      const k = k3Kl(logp, b.logpRef[i] as number);
      loss += s.loss + cfg.klCoef * k.kl;
      seed[i] = gradScale * (s.dLogp + cfg.klCoef * k.dLogp);
      kl += k.kl;
      if (s.dLogp === 0 && (b.advantage[row] as number) !== 0) clipped++;
      actions++;
    }
    if (grad) lp.backward(seed);
    b.stats["rl/kl"] = actions > 0 ? kl / actions : 0;
    b.stats["rl/clip_fraction"] = actions > 0 ? clipped / actions : 0;
    return loss;
  };
  return {
    weight: (b) => b.action.reduce((a, x) => a + x, 0),
    positions: (b) => b.B * b.T,
    lossAndGrad: (b, g) => run(b, g.gradScale),
    evalLoss: (b) => run(b, 0),
    metrics: (b) => b.stats,
  };
}

/**
 * Macro-action surrogate per sentence s of each row: ρ_s = exp(Σ_{i∈s} (logp_i − logp_old,i)), loss_s =
 * −min(ρ_s A, clip(ρ_s) A); every i ∈ s gets dL/dlogp_i = dloss_s/dlogρ_s. Returns Σ_s loss_s and those gradients.
 */
function sentenceSurrogate(b: RlBatch, logp: ArrayLike<number>, clip: number) {
  const sentences = new Map<string, { logRatio: number; row: number; members: number[] }>();
  for (let i = 0; i < b.action.length; i++) {
    if (!b.action[i]) continue;
    const row = Math.floor(i / b.T);
    const key = `${row}:${b.segment[i]}`;
    const e = sentences.get(key) ?? { logRatio: 0, row, members: [] };
    e.logRatio += (logp[i] as number) - (b.logpOld[i] as number);
    e.members.push(i);
    sentences.set(key, e);
  }
  let loss = 0;
  const dLogp = new Map<number, number>();
  for (const e of sentences.values()) {
    const s = clippedSurrogate(e.logRatio, 0, b.advantage[e.row] as number, clip);
    loss += s.loss;
    for (const i of e.members) dLogp.set(i, s.dLogp);
  }
  return { loss, dLogp };
}

/** Per-row steering [B*T, D] per layer as an op whose backward adds Σ_rows eps_b,k · g_row into each v_k,l. */
function trainableSteering(c: Controllers, b: RlBatch) {
  const constant = b.steering;
  const K = DIMENSIONS.length;
  return constant.map((s, l) => {
    if (!s) return undefined;
    const leaves = DIMENSIONS.map((d) => {
      const v = c[d][l] as Param;
      return parameter(v.data, v.shape, v.grad);
    });
    const D = s.width;
    return fromOp(s.data, s.shape, leaves, (g) => {
      for (let row = 0; row < b.B * b.T; row++) {
        const r = Math.floor(row / b.T);
        for (let k = 0; k < K; k++) {
          const e = b.eps[r * K + k] as number;
          if (e === 0) continue;
          const gv = leaves[k]?.gradBuffer() as Float32Array;
          for (let j = 0; j < D; j++) gv[j] = (gv[j] as number) + e * (g[row * D + j] as number);
        }
      }
    });
  });
}

/**
 * Evaluation on held-out papers: for the three corners of the simplex and the centre, one idea per paper (a
 * fixed seed, so evaluations compare), the mean reward of each dimension and the weighted reward.
 */
async function evaluateControl(o: {
  policy: LlamaModel;
  tokenizer: BpeTokenizer;
  controllers: Controllers;
  reward: RewardModel;
  cfg: RlConfig;
  papers: RlPrompt[];
  exportPolicy: () => string;
}): Promise<Record<string, number>> {
  const { cfg } = o;
  const end = o.tokenizer.tokenId("<|end|>");
  const grid = PROBE_WEIGHTS;
  const out: Record<string, number> = {};
  let weighted = 0;
  const sampler = await openRolloutSampler(o);
  try {
    for (const w of grid) {
      const rng = createRng(cfg.seed + 17); // the same draws at every evaluation: only the weights and steps differ
      const steer = steerVectors(
        o.controllers,
        DIMENSIONS.map((d) => cfg.epsMax * cfg.controllerScale * w[d]),
        o.policy.config.nLayers,
      );
      const texts: string[] = [];
      for (const p of o.papers) texts.push(o.tokenizer.decode((await sampler.sample(p.tokens, steer, rng, end)).ids));
      const scores = (await rewardTexts(texts, { ...cfg, reward: o.reward })).map((r) => r.rewards);
      const mean = (d: Dimension) => scores.reduce((a, s) => a + s[d], 0) / Math.max(1, scores.length);
      const corner = DIMENSIONS.find((d) => w[d] === 1);
      if (corner) out[`rl/val_${corner}_at_its_corner`] = mean(corner);
      weighted += DIMENSIONS.reduce((a, d) => a + w[d] * mean(d), 0) / grid.length;
    }
  } finally {
    await sampler.close();
  }
  out["rl/val_weighted_reward"] = weighted;
  return out;
}

export function promptFiles(cfg: Pick<RlConfig, "dataset">, home: string): { train: string; val: string } {
  const dir = cfg.dataset || newestDataset(home, "sft.train.jsonl");
  if (!dir)
    throw new ConfigError(
      `no dataset with SFT pairs under ${home}/datasets`,
      "run `ideasteer data build` or pass --dataset",
    );
  return { train: join(dir, "sft.train.jsonl"), val: join(dir, "sft.val.jsonl") };
}

/** One prompt per distinct supporting paper: RL needs papers, not their golden ideas. */
export function readPrompts(file: string, tok: BpeTokenizer, maxPromptTokens: number): RlPrompt[] {
  const seen = new Set<string>();
  const out: RlPrompt[] = [];
  for (const row of readSftRows(file)) {
    if (seen.has(row.supportingId)) continue;
    seen.add(row.supportingId);
    const ex = tokenizeSftRow(tok, row, { maxPromptTokens, maxTargetTokens: 8 });
    out.push({ id: row.supportingId, tokens: ex.prompt });
  }
  return out;
}

/**
 * `ideasteer train rl`: the stage, then the last checkpoint written as a policy folder (model.gguf, tokenizer.json)
 * with one llama.cpp control-vector file per dimension under controllers/.
 */
export async function trainRl(o: {
  config?: RlConfig;
  resume?: string;
  home: string;
  out: string;
  command: string;
  log: Logger;
  progress?: boolean;
  signal?: AbortSignal;
}): Promise<{ runDir: string; out: string; lastEval: Record<string, number> }> {
  let parts: RlParts | undefined;
  const stage = rlStage({ home: o.home, onSetup: (p) => (parts = p) });
  const r = await train(stage, { ...o, runsRoot: join(o.home, "runs") });
  if (!parts) throw new Error("train rl: the stage's setup did not run");
  exportRlPolicy({
    checkpoint: r.checkpointDir,
    tokenizer: parts.tokenizer,
    out: o.out,
    command: o.command,
    cfg: r.config,
  });
  return { runDir: r.runDir, out: o.out, lastEval: r.lastEval };
}

/** The policy weights as model.gguf, its tokenizer, and controllers/<dimension>.gguf (llama.cpp control vectors). */
function exportRlPolicy(o: {
  checkpoint: string;
  tokenizer: BpeTokenizer;
  out: string;
  command: string;
  cfg: RlConfig;
}) {
  const ck = loadCheckpoint(o.checkpoint);
  mkdirSync(join(o.out, "controllers"), { recursive: true });
  const weights = new Map([...ck.weights].filter(([k]) => !k.startsWith("rl.")).map(([k, t]) => [k, t.data]));
  if (weights.size === 0) {
    // Controllers only: the policy is the one the run started from.
    for (const [k, v] of loadBaseModel(o.cfg.init || SHIPPED_POLICY_PATH).weights) weights.set(k, v);
  }
  writeLlamaGguf(join(o.out, "model.gguf"), {
    config: ck.llamaConfig,
    weights,
    tokenizer: o.tokenizer.toGgufTokenizer(),
    fileType: "F32",
    name: "ideasteer-policy-rl",
  });
  copyFileSync(ck.tokenizerPath, join(o.out, "tokenizer.json"));
  for (const d of DIMENSIONS) {
    // Stored as v / controllerScale (see RlConfig): written in the units eps multiplies.
    const layers = Array.from({ length: ck.llamaConfig.nLayers }, (_, l) =>
      ck.weights.get(ctrlName(d, l))?.data.map((x) => x * o.cfg.controllerScale),
    );
    writeControlVectorGguf(join(o.out, "controllers", `${d}.gguf`), layers, { modelHint: "ideasteer-policy-rl" });
  }
  writeFileAtomic(
    join(o.out, "rl-config.json"),
    `${JSON.stringify({ command: o.command, checkpoint: o.checkpoint, epsMax: o.cfg.epsMax, config: o.cfg }, null, 2)}\n`,
  );
}
