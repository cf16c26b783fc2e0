import { dirname, join, relative, resolve } from "node:path";
import { createRng, type Logger, type Rng, rngFromState } from "../core/index.js";
import { type BpeTokenizer, loadTokenizer, type Param, readLlamaGguf } from "../engine/index.js";
import { centredSum, DIMENSIONS, type Scores, weightedSum } from "../idea/index.js";
import { type LlamaBackend, openLlama, sharedLlamaRuntime } from "../llm/index.js";
import {
  createScoreCache,
  loadRewardModel,
  type RewardModel,
  SHIPPED_TRANSFORMER_RM_DIR,
  scoreIdeas,
} from "../reward/index.js";
import {
  accumulateDecisionGrad,
  type ControllerSet,
  type Decision,
  decoderForward,
  generateWithDynamicControl,
  initDecoder,
  loadControllerSet,
  prefixScoresOf,
  type SentenceDecoder,
  saveDecoder,
  warmStartAtStatic,
} from "../steer/index.js";
import { bestCheckpoint } from "./best-checkpoint.js";
import { loadCheckpoint } from "./checkpoint.js";
import { DecoderConfig } from "./decoder-config.js";
import { decisionAdvantages } from "./decoder-credit.js";
import { promptFiles, readPrompts } from "./rl.js";
import { RlConfig } from "./rl-config.js";
import { sampleWeights } from "./rl-objective.js";
import { PROBE_WEIGHTS, type RlPrompt, rewardTexts } from "./rl-rollouts.js";

// The same bound as RL's default: ideas that repeat themselves earn nothing here either.
const DEGENERATE_DISTINCT2 = RlConfig.parse({}).minDistinct2;

import type { DataSource, StageParts, TrainLoss, TrainStage } from "./train-stage.js";
import { train } from "./trainer.js";

/** One episode: the decisions the decoder made while an idea was written, and each decision's advantage. */
type Episode = { decisions: Decision[]; advantages: number[]; reward: number };
export type DecoderBatch = { episodes: Episode[]; stats: Record<string, number> };

export type DecoderParts = StageParts<DecoderBatch> & {
  model: StageParts<DecoderBatch>["model"];
  decoder: SentenceDecoder;
  close(): Promise<void>;
};

const PARAM_NAMES = ["decoder.w1", "decoder.b1", "decoder.w2", "decoder.b2"] as const;

/** The decoder-training stage (issue 12 §3): episodes through llama.cpp as data, REINFORCE as the loss. */
export function decoderStage(o: {
  home: string;
  onSetup?: (p: DecoderParts) => void;
}): TrainStage<DecoderConfig, DecoderBatch> {
  return {
    name: "decoder",
    config: DecoderConfig,
    async setup(cfg, run) {
      // 1. The frozen policy (llama.cpp), its controllers, the reward models, the decoder's parameters.
      const tokenizer = loadTokenizer(join(cfg.policy, "tokenizer.json"));
      const controllers = loadControllerSet(cfg.policy);
      const model = await openLlama({
        llama: await sharedLlamaRuntime(),
        modelPath: join(cfg.policy, "model.gguf"),
        contextSize: cfg.maxPromptTokens + cfg.maxNewTokens + 8,
        threads: 1, // llama.cpp's thread pool spins against ours on 2 cores (bench/RESULTS.md, RL rollouts)
      });
      const reward = loadRewardModel(cfg.rewardModel || SHIPPED_TRANSFORMER_RM_DIR);
      const decoder = initDecoder({
        hidden: cfg.hidden,
        epsMax: controllers.epsMax,
        sigma: cfg.sigma * controllers.epsMax,
        rng: createRng(cfg.seed),
      });
      if (cfg.init === "static") {
        const mse = warmStartAtStatic(decoder, createRng(cfg.seed + 1));
        run.log.info("decoder starts at static control", { rmse: Math.sqrt(mse), epsMax: controllers.epsMax });
      }
      const params = new Map<string, Param>(
        PARAM_NAMES.map((name, i) => {
          const data = [decoder.w1, decoder.b1, decoder.w2, decoder.b2][i] as Float32Array;
          return [name, { shape: [data.length], data, grad: new Float32Array(data.length) }];
        }),
      );
      const grad = {
        hidden: decoder.hidden,
        w1: (params.get("decoder.w1") as Param).grad,
        b1: (params.get("decoder.b1") as Param).grad,
        w2: (params.get("decoder.w2") as Param).grad,
        b2: (params.get("decoder.b2") as Param).grad,
      };
      // 2. Prompts: training papers; held-out papers for evaluation.
      const files = promptFiles(cfg, o.home);
      const prompts = readPrompts(files.train, tokenizer, cfg.maxPromptTokens);
      const heldOut = readPrompts(files.val, tokenizer, cfg.maxPromptTokens).slice(0, cfg.evalPapers);
      run.log.info("decoder data", { train: prompts.length, eval: heldOut.length, reward: reward.name });
      const env: Env = { model, tokenizer, controllers, decoder, reward, cfg, cache: createScoreCache() };
      const loss: TrainLoss<DecoderBatch> = {
        weight: (b) => b.episodes.length,
        positions: (b) => b.episodes.reduce((a, e) => a + e.decisions.length, 0),
        lossAndGrad: (b, g) => reinforce(decoder, grad, b, g.gradScale),
        evalLoss: (b) => reinforce(decoder, grad, b, 0),
        metrics: (b) => b.stats,
      };
      const parts: DecoderParts = {
        decoder,
        close: () => model.close(),
        model: {
          params,
          zeroGrad: () => {
            for (const p of params.values()) p.grad.fill(0);
          },
          llamaConfig: readLlamaGguf(join(cfg.policy, "model.gguf")).config,
          tokenizerPath: join(cfg.policy, "tokenizer.json"),
        },
        openData: (cursor) => episodeSource(env, prompts, cursor),
        valBatches: [],
        loss,
        hooks: { evaluate: () => evaluateDecoder(env, heldOut) },
        plotPanels: [
          { title: "final weighted reward (train)", keys: ["decoder/reward"] },
          { title: "held-out: decoder vs static control", keys: ["decoder/val_reward", "static/val_reward"] },
          { title: "mean strength", keys: DIMENSIONS.map((d) => `decoder/eps_${d}`) },
        ],
      };
      o.onSetup?.(parts);
      return parts;
    },
  };
}

type Env = {
  model: LlamaBackend;
  tokenizer: BpeTokenizer;
  controllers: ControllerSet;
  decoder: SentenceDecoder;
  reward: RewardModel;
  cfg: DecoderConfig;
  cache: ReturnType<typeof createScoreCache>;
};

/** One idea written under dynamic control (strengths drawn when `rng` explores), and its final w · r. */
async function episode(env: Env, prompt: RlPrompt, w: Scores, seed: number, explore?: Rng) {
  const { cfg } = env;
  const score = (texts: string[]) => scoreIdeas(texts, { model: env.reward, cache: env.cache });
  const g = await generateWithDynamicControl(
    env.model,
    prompt.tokens,
    { controllers: env.controllers, decoder: env.decoder, weights: w, score, rng: explore },
    {
      maxTokens: cfg.maxNewTokens,
      temperature: cfg.temperature,
      topP: 1,
      seed,
      stopTokens: [env.tokenizer.tokenId("<|end|>")],
    },
  );
  const rule = { minDistinct2: DEGENERATE_DISTINCT2, requireLayout: cfg.requireLayout, reward: env.reward };
  const [judged] = await rewardTexts([g.text], { ...rule, cache: env.cache });
  // u · r of the prefix each decision read: the value of the state it started in (sentence credit).
  const values = g.decisions.map((d) => decoderReward(prefixScoresOf(d.x), w, cfg.objective));
  return {
    decisions: g.decisions,
    values,
    reward: decoderReward((judged as { rewards: Scores }).rewards, w, cfg.objective),
  };
}

/**
 * The episode's reward:  "weighted"  R = w · r  (LDC), or  "centred"  R = (w − w̄) · r,  w̄ = 1/3.
 * w · r never asks a dimension down: when the scores move together (the policy's novel-scoring text also scores
 * feasible), raising every score pays at every weight, and feasibility rises as much at w_F = 0 as at w_F = 1.
 * (w − w̄) · r is the grid covariance that controllability ranks: it pays for lowering what is weighted below 1/3.
 */
export function decoderReward(r: Scores, w: Scores, objective: DecoderConfig["objective"]): number {
  return objective === "centred" ? centredSum(r, w) : weightedSum(r, w);
}

/**
 * Step 1 of each batch: `prompts` papers with weights w ~ Dirichlet(1), `groupSize` ideas each with strengths drawn
 * around the decoder's output; advantages by the configured credit (decoder-credit.ts), the group's mean reward as
 * the empty prefix's value. The cursor is the RNG state.
 */
function episodeSource(env: Env, prompts: RlPrompt[], cursor: unknown): DataSource<DecoderBatch> {
  const c = cursor as { rng?: number[] } | undefined;
  let rng = c?.rng ? rngFromState(c.rng) : createRng(env.cfg.seed ^ 0xdec0de);
  return {
    cursor: () => ({ rng: rng.state() }),
    async next() {
      const episodes: Episode[] = [];
      for (let p = 0; p < env.cfg.prompts; p++) {
        const prompt = prompts[rng.int(prompts.length)] as RlPrompt;
        const w = sampleWeights(rng);
        const group = [];
        for (let g = 0; g < env.cfg.groupSize; g++)
          group.push(await episode(env, prompt, w, rng.int(2_147_483_647), rng));
        const mean = group.reduce((a, e) => a + e.reward, 0) / group.length;
        const credit = { lambda: env.cfg.creditLambda, groupMean: mean };
        for (const { decisions, values, reward } of group)
          episodes.push({
            decisions,
            reward,
            advantages: decisionAdvantages(env.cfg.credit, { ...credit, values, reward }),
          });
      }
      rng = rngFromState(rng.state()); // drops Box-Muller's spare: the state alone describes the stream
      const eps = episodes.flatMap((e) => e.decisions.map((d) => d.eps));
      const stats: Record<string, number> = {
        "decoder/reward": episodes.reduce((a, e) => a + e.reward, 0) / episodes.length,
        "decoder/sentences": eps.length / episodes.length,
      };
      DIMENSIONS.forEach((d, k) => {
        stats[`decoder/eps_${d}`] = eps.reduce((a, x) => a + (x[k] as number), 0) / Math.max(1, eps.length);
      });
      return { episodes, stats };
    },
  };
}

/**
 * REINFORCE with a baseline:  L = −Σ_episodes Σ_decisions A_i log N(eps_i; mean(x_i), sigma²),  A_i from decoder-credit.ts
 * (idea credit: A_i = R − mean_group R for every decision).
 * Returns L (up to the Gaussian's constant) and adds gradScale · ∂L/∂θ to the decoder's gradients.
 */
function reinforce(
  dec: SentenceDecoder,
  grad: Parameters<typeof accumulateDecisionGrad>[1],
  b: DecoderBatch,
  gradScale: number,
) {
  let loss = 0;
  for (const e of b.episodes)
    for (const [i, d] of e.decisions.entries()) {
      const advantage = e.advantages[i] as number;
      const { mean } = decoderForward(dec, d.x);
      const logp = d.eps.reduce((a, x, k) => a - (x - (mean[k] as number)) ** 2 / (2 * dec.sigma ** 2), 0);
      loss -= advantage * logp;
      if (gradScale !== 0) accumulateDecisionGrad(dec, grad, d.x, d.eps, -advantage * gradScale);
    }
  return loss;
}

/**
 * Held-out papers, one idea each per grid weight (the corners and the centre), same seeds for both: the decoder's
 * strengths (its output, no exploration) against static control (eps = epsMax · w), the mean final w · r of each.
 */
async function evaluateDecoder(env: Env, papers: RlPrompt[]): Promise<Record<string, number>> {
  const grid = PROBE_WEIGHTS;
  let dynamic = 0;
  let fixed = 0;
  const n = grid.length * papers.length;
  for (const [g, w] of grid.entries())
    for (const [p, paper] of papers.entries()) {
      const seed = 1000 * g + p;
      dynamic += (await episode(env, paper, w, seed)).reward / n;
      // Static control through the same code path: a decoder whose output is epsMax · w whatever it reads.
      fixed += (await episode({ ...env, decoder: staticDecoder(env.decoder, w) }, paper, w, seed)).reward / n;
    }
  return { "decoder/val_reward": dynamic, "static/val_reward": fixed };
}

/** A decoder that always answers epsMax · w: zero first layer, output biases at logit(w_k) (clamped). */
function staticDecoder(dec: SentenceDecoder, w: Scores): SentenceDecoder {
  const logit = (p: number) => {
    const q = Math.min(1 - 1e-6, Math.max(1e-6, p));
    return Math.log(q / (1 - q));
  };
  return {
    ...dec,
    w1: new Float32Array(dec.w1.length),
    b1: new Float32Array(dec.b1.length),
    w2: new Float32Array(dec.w2.length),
    b2: Float32Array.from(DIMENSIONS, (d) => logit(w[d])),
  };
}

/**
 * `ideasteer train decoder`: the stage, then the checkpoint with the best held-out reward written as
 * `<out>` (default `<policy>/controllers/decoder.json`), which `generate --control dynamic` loads.
 */
export async function trainDecoder(o: {
  config?: DecoderConfig;
  resume?: string;
  home: string;
  out?: string;
  command: string;
  log: Logger;
  progress?: boolean;
  signal?: AbortSignal;
}): Promise<{ runDir: string; out: string; lastEval: Record<string, number> }> {
  let parts: DecoderParts | undefined;
  const stage = decoderStage({ home: o.home, onSetup: (p) => (parts = p) });
  try {
    const r = await train(stage, { ...o, runsRoot: join(o.home, "runs") });
    if (!parts) throw new Error("train decoder: the stage's setup did not run");
    const best = bestCheckpoint(r.runDir, r.config.earlyStoppingMetric, r.config.earlyStoppingMode);
    const ck = loadCheckpoint(best.dir);
    const dec = parts.decoder;
    for (const [i, name] of PARAM_NAMES.entries())
      ([dec.w1, dec.b1, dec.w2, dec.b2][i] as Float32Array).set(ck.weights.get(name)?.data ?? []);
    const out = o.out ?? join(r.config.policy, "controllers", "decoder.json");
    saveDecoder(out, dec, {
      command: o.command,
      // The scores it was trained on are its inputs: generation feeds the same reward model (relative to `out`).
      rewardModel: relative(dirname(resolve(out)), resolve(r.config.rewardModel || SHIPPED_TRANSFORMER_RM_DIR)),
      checkpoint: best.dir,
      createdAt: new Date().toISOString(),
      metrics: best.record,
    });
    return { runDir: r.runDir, out, lastEval: r.lastEval };
  } finally {
    await parts?.close();
  }
}
