import { createRng, type Rng, rngFromState } from "../core/index.js";
import { splitSentences } from "../datasets/index.js";
import { type BpeTokenizer, type LlamaModel, type Param, tensor, tokenLogProbs } from "../engine/index.js";
import {
  centredSum,
  DIMENSIONS,
  type Dimension,
  readWholeIdea,
  renderIdea,
  type Scores,
  weightedSum,
} from "../idea/index.js";
import { openLlama, sharedLlamaRuntime } from "../llm/index.js";
import { type RewardModel, type ScoreCache, scoreIdeas } from "../reward/index.js";
import { type ControllerSet, combineControllers } from "../steer/index.js";
import type { RlConfig } from "./rl-config.js";
import { gdpoAdvantages, logSigmoid, sampleWeights } from "./rl-objective.js";
import type { DataSource } from "./train-stage.js";

/** A training prompt: the policy's own prompt tokens for one paper (`<|paper|>...<|idea|>`). */
export type RlPrompt = { id: string; tokens: number[] };

/** Controller vectors: per dimension, per layer (undefined below the first steered layer), each [dModel]. */
export type Controllers = Record<Dimension, (Param | undefined)[]>;

/** One sampled idea with everything its update needs. */
export type Rollout = {
  prompt: RlPrompt;
  weights: Scores;
  eps: number[]; // strength per dimension, DIMENSIONS order
  completion: number[]; // sampled tokens, the end token included when the policy stopped
  text: string;
  rewards: Scores; // what the reward models said (0 for degenerate text, and for text not in the layout)
  degenerate: boolean;
  outOfLayout: boolean; // not a whole idea in the section-1 layout (counted only under requireLayout)
};

/**
 * A batch of rollouts laid out for the engine: prompt + completion per row, padded to T. Position t of row b
 * predicts token t+1; `action` marks the positions whose next token was sampled, `segment` the macro action
 * (sentence) a position's token belongs to (sentence credit), `advantage` the row's GDPO advantage.
 */
export type RlBatch = {
  tokens: Int32Array;
  B: number;
  T: number;
  targets: Int32Array; // next token per position (0 where none)
  action: Float32Array; // 1 where the next token was sampled
  segment: Int32Array; // per position: index of its sentence within the row (-1: not an action, or sequence credit)
  advantage: Float32Array; // [B]
  eps: Float32Array; // [B * 3], times controllerScale: the factor the stored controllers are multiplied by
  logpOld: Float32Array; // per position, under the weights that sampled
  logpRef: Float32Array; // per position, under the SFT reference without controllers
  steering: ReturnType<typeof rowSteering>; // per layer [B*T, D], the controllers' values when the batch was drawn
  rollouts: Rollout[];
  stats: Record<string, number>;
};

/** Steering per layer for one strength vector: Σ_k eps_k v_k,l (undefined where no controller exists). */
export function steerVectors(c: Controllers, eps: readonly number[], nLayers: number): (Float32Array | undefined)[] {
  const layers = (d: Dimension) => Array.from({ length: nLayers }, (_, l) => c[d][l]?.data);
  const vectors: ControllerSet["vectors"] = {
    novelty: layers("novelty"),
    feasibility: layers("feasibility"),
    effectiveness: layers("effectiveness"),
  };
  return [...combineControllers({ vectors, epsMax: 1, dir: "" }, eps)];
}

/** Text that earns no reward whatever the reward models say: empty, or repeating itself (distinct-2 below the bound). */
export const isDegenerate = (text: string, minDistinct2: number): boolean =>
  text.trim() === "" || distinct2(text) < minDistinct2;

/**
 * What the reward models score for a sampled text: the idea as `generate` would return it (the layout rendered,
 * repaired where repair makes it whole), or null when the text earns 0 on every dimension whatever they say:
 * degenerate text, or, under `requireLayout`, text that is not a whole idea (`generate` regenerates such text and
 * `eval control` counts it as 0, so rewarding it would train the policy towards failures; an idea cut off at
 * maxNewTokens is one).
 */
export function rewardableText(text: string, o: { minDistinct2: number; requireLayout: boolean }): RewardableText {
  if (isDegenerate(text, o.minDistinct2)) return { text: null, degenerate: true, outOfLayout: false };
  if (!o.requireLayout) return { text, degenerate: false, outOfLayout: false };
  const whole = readWholeIdea(text.trim());
  return whole.idea
    ? { text: renderIdea(whole.idea), degenerate: false, outOfLayout: false }
    : { text: null, degenerate: false, outOfLayout: true };
}
type RewardableText = { text: string | null; degenerate: boolean; outOfLayout: boolean };

/** Scores for sampled texts under the rule above: the reward models on what earns a reward, 0 elsewhere. */
export async function rewardTexts(
  texts: string[],
  o: { minDistinct2: number; requireLayout: boolean; reward: RewardModel; cache?: ScoreCache },
): Promise<(RewardableText & { rewards: Scores })[]> {
  const judged = texts.map((t) => rewardableText(t, o));
  const scorable = judged.flatMap((j) => (j.text === null ? [] : [j.text.slice(0, 32_000)]));
  const scored = await scoreIdeas(scorable, { model: o.reward, cache: o.cache });
  let next = 0;
  const zero = { novelty: 0, feasibility: 0, effectiveness: 0 };
  return judged.map((j) => ({ ...j, rewards: j.text === null ? zero : (scored[next++] as Scores) }));
}

/** The weights held-out evaluations of RL and the decoder probe: the simplex's three corners and its centre. */
export const PROBE_WEIGHTS: readonly Scores[] = [
  { novelty: 1, feasibility: 0, effectiveness: 0 },
  { novelty: 0, feasibility: 1, effectiveness: 0 },
  { novelty: 0, feasibility: 0, effectiveness: 1 },
  { novelty: 1 / 3, feasibility: 1 / 3, effectiveness: 1 / 3 },
];

/** distinct-2: unique word bigrams / bigrams. Low values mean the text repeats itself (a reward-hacking sign). */
export function distinct2(text: string): number {
  const w = text.toLowerCase().split(/\s+/).filter(Boolean);
  if (w.length < 3) return 0;
  const grams = new Set<string>();
  for (let i = 0; i + 1 < w.length; i++) grams.add(`${w[i]} ${w[i + 1]}`);
  return grams.size / (w.length - 1);
}

/**
 * The rewards the advantages see. "logsigmoid": u_k = log σ(logit r_k) = log r_k. Scores are percentiles among
 * reviewed papers, so logit r_k is already centred on the median paper (the r_ref of Wang et al. 2024) and the
 * transform rewards lifting a weak dimension more than polishing a strong one.
 */
export function transformRewards(r: Scores, how: RlConfig["rewardTransform"]): Scores {
  if (how === "none") return r;
  const u = (x: number) => {
    const p = Math.min(1 - 1e-4, Math.max(1e-4, x));
    return logSigmoid(Math.log(p / (1 - p)), 0);
  };
  return Object.fromEntries(DIMENSIONS.map((d) => [d, u(r[d])])) as Scores;
}

export type RolloutSourceOptions = {
  /** Writes the policy's current weights as a GGUF and returns its path (llama.cpp rollouts). */
  exportPolicy: () => string;
  prompts: readonly RlPrompt[];
  policy: LlamaModel;
  reference: LlamaModel;
  tokenizer: BpeTokenizer;
  controllers: Controllers;
  reward: RewardModel;
  cache: ScoreCache;
  cfg: RlConfig;
  cursor?: unknown;
};

/**
 * The RL data stream: each batch is `prompts` papers drawn with their weights, G ideas each sampled with the
 * controllers at eps = epsMax · w, scored, turned into GDPO advantages, with the sampling policy's and the
 * reference's log-probabilities per token. The cursor is the RNG state before the batch: a resumed run draws the
 * same papers, weights and tokens (the policy's weights come back with the checkpoint).
 */
export function createRolloutSource(o: RolloutSourceOptions): DataSource<RlBatch> {
  const c = o.cursor as { rng?: number[] } | undefined;
  let rng: Rng = c?.rng ? rngFromState(c.rng) : createRng(o.cfg.seed ^ 0x5eed);
  return {
    cursor: () => ({ rng: rng.state() }),
    async next() {
      const t0 = performance.now();
      const rollouts = await sampleRollouts(o, rng);
      const t1 = performance.now();
      const batch = layoutBatch(o, rollouts);
      batch.stats["time/rollouts_ms"] = t1 - t0;
      batch.stats["time/layout_logp_ms"] = performance.now() - t1;
      rng = rngFromState(rng.state()); // drops Box-Muller's spare: the state alone describes the stream
      return batch;
    },
  };
}

/** Step 1: papers, weights, G ideas per paper with the controllers applied, their rewards. */
async function sampleRollouts(o: RolloutSourceOptions, rng: Rng): Promise<Rollout[]> {
  const { cfg, tokenizer, policy } = o;
  const end = tokenizer.tokenId("<|end|>");
  const sampler = await openRolloutSampler(o);
  const drafts: Omit<Rollout, "rewards" | "degenerate" | "outOfLayout">[] = [];
  try {
    for (let p = 0; p < cfg.prompts; p++) {
      const prompt = o.prompts[rng.int(o.prompts.length)] as RlPrompt;
      const weights = sampleWeights(rng);
      const eps = DIMENSIONS.map((d) => cfg.epsMax * weights[d]);
      const steer = steerVectors(
        o.controllers,
        eps.map((e) => e * cfg.controllerScale),
        policy.config.nLayers,
      );
      for (let g = 0; g < cfg.groupSize; g++) {
        const { ids, stopped } = await sampler.sample(prompt.tokens, steer, rng, end);
        // An idea ended by <|end|> carries it as its last action; one cut at maxNewTokens does not.
        drafts.push({ prompt, weights, eps, completion: stopped ? [...ids, end] : ids, text: tokenizer.decode(ids) });
      }
    }
  } finally {
    await sampler.close();
  }
  const judged = await rewardTexts(
    drafts.map((d) => d.text),
    { ...cfg, reward: o.reward, cache: o.cache },
  );
  return drafts.map((d, i) => {
    const { rewards, degenerate, outOfLayout } = judged[i] as (typeof judged)[number];
    return { ...d, rewards, degenerate, outOfLayout };
  });
}

export type RolloutSampler = {
  sample(
    prompt: number[],
    steer: (Float32Array | undefined)[],
    rng: Rng,
    end: number,
  ): Promise<{ ids: number[]; stopped: boolean }>;
  close(): Promise<void>;
};

/**
 * The rollout sampler: llama.cpp over the policy exported at this step (its control vectors are the steering;
 * each idea's seed drawn from the run's RNG), or the engine's KV-cached decoder. Both sample the same
 * distribution: the update recomputes log-probabilities with the engine either way (a test checks they agree).
 */
export async function openRolloutSampler(
  o: Pick<RolloutSourceOptions, "cfg" | "policy" | "exportPolicy">,
): Promise<RolloutSampler> {
  const { cfg, policy } = o;
  if (cfg.rollouts === "engine")
    return {
      sample: async (prompt, steer, rng, end) => {
        const ids = policy.generate(prompt, {
          maxTokens: cfg.maxNewTokens,
          temperature: cfg.temperature,
          topP: cfg.topP,
          rng,
          stopTokens: [end],
          steer,
        });
        return { ids, stopped: ids.length < cfg.maxNewTokens };
      },
      close: async () => {},
    };
  const backend = await openLlama({
    llama: await sharedLlamaRuntime(),
    modelPath: o.exportPolicy(),
    contextSize: cfg.maxPromptTokens + cfg.maxNewTokens + 8,
    threads: cfg.threads,
  });
  return {
    sample: async (prompt, steer, rng, end) => {
      backend.setControlVector(steer, 1);
      const g = await backend.generate(prompt, {
        maxTokens: cfg.maxNewTokens,
        temperature: cfg.temperature,
        topP: cfg.topP,
        seed: rng.int(2_147_483_647),
        stopTokens: [end],
      });
      return { ids: g.tokens, stopped: g.finishReason === "stop" };
    },
    close: () => backend.close(),
  };
}

/** Step 2: advantages, rows, sentence segments, and the old and reference log-probabilities. */
function layoutBatch(o: RolloutSourceOptions, rollouts: Rollout[]): RlBatch {
  const { cfg, tokenizer } = o;
  const G = cfg.groupSize;
  const groups = Array.from({ length: rollouts.length / G }, (_, i) => rollouts.slice(i * G, (i + 1) * G));
  const { advantages, zeroVariance } = gdpoAdvantages(
    groups.map((g) => ({
      rewards: g.map((r) => transformRewards(r.rewards, cfg.rewardTransform)),
      weights: (g[0] as Rollout).weights,
    })),
    undefined,
    cfg.objective,
  );
  const B = rollouts.length;
  const T = Math.max(...rollouts.map((r) => r.prompt.tokens.length + r.completion.length - 1));
  const pad = tokenizer.tokenId("<|end|>");
  const tokens = new Int32Array(B * T).fill(pad);
  const targets = new Int32Array(B * T);
  const action = new Float32Array(B * T);
  const segment = new Int32Array(B * T).fill(-1);
  const eps = new Float32Array(B * DIMENSIONS.length);
  rollouts.forEach((r, b) => {
    const seq = [...r.prompt.tokens, ...r.completion];
    const n = r.prompt.tokens.length;
    // Sentence boundaries cost a decode per token: only sentence credit reads them.
    const ends = cfg.credit === "sentence" ? sentenceEnds(tokenizer, r.completion) : null;
    for (let t = 0; t < Math.min(T, seq.length); t++) tokens[b * T + t] = seq[t] as number;
    for (let t = 0; t + 1 < seq.length && t < T; t++) {
      targets[b * T + t] = seq[t + 1] as number;
      if (t + 1 >= n) {
        action[b * T + t] = 1;
        if (ends) segment[b * T + t] = ends.findIndex((e) => t + 1 - n < e);
      }
    }
    eps.set(
      r.eps.map((e) => e * cfg.controllerScale),
      b * DIMENSIONS.length,
    );
  });
  const advantage = Float32Array.from(advantages.flat());
  const batch: RlBatch = {
    tokens,
    B,
    T,
    targets,
    action,
    segment,
    advantage,
    eps,
    logpOld: new Float32Array(0),
    logpRef: new Float32Array(0),
    steering: [],
    rollouts,
    stats: {},
  };
  batch.steering = rowSteering(o.controllers, batch, o.policy.config.nLayers);
  batch.logpOld = rowLogProbs(o.policy, batch, batch.steering);
  // By default the reference is unsteered, so the KL also charges the controllers' steering; klSteered charges
  // only the policy's drift from SFT under the same steering (the layout rule then bounds the controllers).
  batch.logpRef = rowLogProbs(o.reference, batch, cfg.klSteered ? batch.steering : undefined);
  batch.stats = rolloutStats(rollouts, batch, zeroVariance);
  return batch;
}

/** Token counts at which each sentence of a completion ends (cumulative), the last one at its length. */
function sentenceEnds(tok: BpeTokenizer, completion: readonly number[]): number[] {
  const text = tok.decode(completion);
  const sentences = splitSentences(text);
  const ends: number[] = [];
  let chars = 0;
  let at = 0;
  for (const s of sentences.slice(0, -1)) {
    const i = text.indexOf(s, chars);
    chars = i < 0 ? chars + s.length : i + s.length;
    // The token where the sentence's text is complete: decode prefixes until they reach `chars` characters.
    while (at < completion.length && tok.decode(completion.slice(0, at + 1)).length < chars) at++;
    ends.push(at + 1);
  }
  ends.push(completion.length);
  return ends;
}

/** Per-row steering as constant [B*T, D] tensors (no gradient): what sampled each row. */
export function rowSteering(c: Controllers, b: Pick<RlBatch, "B" | "T" | "eps">, nLayers: number) {
  const K = DIMENSIONS.length;
  const perRow = Array.from({ length: b.B }, (_, r) =>
    steerVectors(c, Array.from(b.eps.subarray(r * K, (r + 1) * K)), nLayers),
  );
  return Array.from({ length: nLayers }, (_, l) => {
    const first = perRow[0]?.[l];
    if (!first) return undefined;
    const D = first.length;
    const out = new Float32Array(b.B * b.T * D);
    perRow.forEach((v, r) => {
      for (let t = 0; t < b.T; t++) out.set(v[l] as Float32Array, (r * b.T + t) * D);
    });
    return tensor(out, [b.B * b.T, D]);
  });
}

/** log π(token_{t+1} | prefix) at every position, no gradient. */
function rowLogProbs(
  m: LlamaModel,
  b: Pick<RlBatch, "tokens" | "B" | "T" | "targets">,
  steer: ReturnType<typeof rowSteering> | undefined,
) {
  const logits = m.forward(b.tokens, b.B, b.T, { grad: false, steer });
  return Float32Array.from(tokenLogProbs(logits, b.targets).data);
}

/** What a step logs about its rollouts: rewards per dimension, the weighted total, length, diversity, degeneracy. */
function rolloutStats(rollouts: Rollout[], b: RlBatch, zeroVariance: number): Record<string, number> {
  const mean = (xs: number[]) => xs.reduce((a, x) => a + x, 0) / Math.max(1, xs.length);
  const sd = (xs: number[]) => Math.sqrt(mean(xs.map((x) => (x - mean(xs)) ** 2)));
  const out: Record<string, number> = {};
  for (const d of DIMENSIONS) {
    const xs = rollouts.map((r) => r.rewards[d]);
    out[`reward/${d}`] = mean(xs);
    out[`reward/${d}_std`] = sd(xs);
  }
  const weighted = (r: Rollout) => weightedSum(r.rewards, r.weights);
  out["reward/weighted"] = mean(rollouts.map(weighted));
  // Among ideas that earned a reward at all: whether RL raises the scores, not only the share of whole ideas.
  const rewarded = rollouts.filter((r) => !r.outOfLayout && !r.degenerate);
  if (rewarded.length) out["reward/weighted_rewarded"] = mean(rewarded.map(weighted));
  // (w − w̄) · r: what the centred objective asks for, the scores following the weights rather than all rising.
  const centred = (r: Rollout) => centredSum(r.rewards, r.weights);
  if (rewarded.length) out["reward/centred_rewarded"] = mean(rewarded.map(centred));
  out["rollout/length"] = mean(rollouts.map((r) => r.completion.length));
  out["rollout/distinct2"] = mean(rollouts.map((r) => distinct2(r.text)));
  out["rollout/degenerate"] = mean(rollouts.map((r) => (r.degenerate ? 1 : 0)));
  out["rollout/out_of_layout"] = mean(rollouts.map((r) => (r.outOfLayout ? 1 : 0)));
  out["rollout/zero_variance_dims"] = zeroVariance;
  let ent = 0;
  let n = 0;
  for (let i = 0; i < b.action.length; i++)
    if (b.action[i]) {
      ent -= b.logpOld[i] as number;
      n++;
    }
  out["rollout/neg_logp"] = n > 0 ? ent / n : 0; // a sampled-token estimate of the policy's entropy
  return out;
}
