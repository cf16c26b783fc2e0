/**
 * The llama-architecture decoder, nanoGPT-clear: token embedding, nLayers pre-norm blocks (RMSNorm, causal
 * self-attention with RoPE on adjacent pairs and optional grouped-query heads, RMSNorm, SwiGLU MLP), a final
 * RMSNorm and the output head (tied to the embedding or not). Parameters are named as GGUF names them and every
 * matrix is row-major [out][in], so export and import are copies. Each block's output may get a steering vector
 * added, h_l <- h_l + s_l (DESIGN §4).
 *
 * @example
 *   const model = createLlama(config, { seed: 1 });
 *   const { loss, lossTokens } = model.lossAndGrad({ tokens, targets, B: 8, T: 128 }, { gradScale: 1 / (8 * 128) });
 *   // loss is the summed token cross-entropy; model.params' grads now hold d(loss/1024)/dθ
 */
import { createRng, type Rng } from "../core/index.js";
import { checkpoint } from "./checkpoint.js";
import { EngineInputError } from "./engine-input-error.js";
import { checkLlamaConfig, headDim, type LlamaConfig } from "./llama-config.js";
import { type GenerateOptions, generateTokens } from "./llama-generate.js";
import { add, causalAttention, crossEntropy, embedding, linear, rmsNorm, rope, swiglu } from "./ops/index.js";
import { parameter, type Tensor, tensor } from "./tensor.js";
import { lossTokens, type TokenBatch } from "./token-batch.js";

export type Param = { shape: number[]; data: Float32Array; grad: Float32Array };

/** One steering entry per layer (undefined: none): a [dModel] vector added to every position, or [B*T, dModel]. */
export type Steering = readonly (Tensor | undefined)[];

export type LlamaModel = {
  readonly config: LlamaConfig;
  readonly params: Map<string, Param>;
  /**
   * Adds the gradient of gradScale * (summed masked token CE) to the params' grads; returns the unscaled sum and
   * its normaliser lossTokens(b). checkpoint: recompute each block's activations in backward (less memory).
   */
  lossAndGrad(
    b: TokenBatch,
    opts?: { gradScale?: number; steer?: Steering; checkpoint?: boolean },
  ): { loss: number; lossTokens: number };
  /** Summed masked token CE without gradients, and lossTokens(b). */
  evalLoss(b: TokenBatch, opts?: { steer?: Steering }): { loss: number; lossTokens: number };
  /** Logits [B*T*V]. */
  logits(tokens: Int32Array, B: number, T: number, opts?: { steer?: Steering }): Float32Array;
  /**
   * The logits [B*T, V] (or, with output "hidden", the final hidden states [B*T, dModel]) as a graph-recording
   * tensor, for losses other than CE (RL, reward heads); grad=false records nothing.
   */
  forward(tokens: Int32Array, B: number, T: number, opts?: ForwardOptions & { grad?: boolean }): Tensor;
  /** KV-cached sampling; returns the new tokens (without the prompt, without the stop token that ended it). */
  generate(prompt: number[], o: GenerateOptions): number[];
  zeroGrad(): void;
};

/** Looks up a weight tensor by its GGUF name. */
export type LlamaTensors = (name: string) => Tensor;

/** Every parameter's name and shape, in a fixed order (the init order and the export order). */
export function llamaParamShapes(cfg: LlamaConfig): [string, number[]][] {
  const D = cfg.dModel;
  const kv = cfg.nKvHeads * headDim(cfg);
  const out: [string, number[]][] = [["token_embd.weight", [cfg.vocabSize, D]]];
  for (let i = 0; i < cfg.nLayers; i++) {
    const b = `blk.${i}.`;
    out.push(
      [`${b}attn_norm.weight`, [D]],
      [`${b}attn_q.weight`, [D, D]],
      [`${b}attn_k.weight`, [kv, D]],
      [`${b}attn_v.weight`, [kv, D]],
      [`${b}attn_output.weight`, [D, D]],
      [`${b}ffn_norm.weight`, [D]],
      [`${b}ffn_gate.weight`, [cfg.dFf, D]],
      [`${b}ffn_up.weight`, [cfg.dFf, D]],
      [`${b}ffn_down.weight`, [D, cfg.dFf]],
    );
  }
  out.push(["output_norm.weight", [D]]);
  if (!cfg.tiedEmbeddings) out.push(["output.weight", [cfg.vocabSize, D]]);
  return out;
}

/** What a forward pass returns: the logits [B*T, V], or the final normalised hidden states [B*T, dModel] (for
 * pooled heads such as the reward models). checkpoint: keep only each block's input and recompute the block in
 * the backward pass (activation checkpointing: less memory for long contexts, one more forward of the blocks). */
export type ForwardOptions = { steer?: Steering; output?: "logits" | "hidden"; checkpoint?: boolean };

/**
 * The forward pass over any dtype (float32 for training, float64 for gradient checks): tokens [B*T] -> logits
 * [B*T, V] (or hidden states).
 */
export function llamaForward(
  cfg: LlamaConfig,
  w: LlamaTensors,
  tokens: Int32Array,
  B: number,
  T: number,
  o: ForwardOptions = {},
): Tensor {
  let x = embedding(tokens, w("token_embd.weight"));
  for (let i = 0; i < cfg.nLayers; i++) {
    const p = (n: string) => w(`blk.${i}.${n}.weight`);
    const steer = o.steer?.[i];
    if (!o.checkpoint) {
      x = block(cfg, p, x, B, T, steer);
      continue;
    }
    const inputs = steer ? [x, steer] : [x];
    const params = BLOCK_WEIGHTS.map(p).filter((t) => t.requiresGrad);
    const frozen = (n: string) => p(n).detach(); // the same weights, read without recording
    x = checkpoint((xs, record) => block(cfg, record ? p : frozen, xs[0] as Tensor, B, T, xs[1]), inputs, params);
  }
  x = rmsNorm(x, w("output_norm.weight"), cfg.normEps);
  if (o.output === "hidden") return x;
  return linear(x, w(cfg.tiedEmbeddings ? "token_embd.weight" : "output.weight"));
}

const BLOCK_WEIGHTS = [
  "attn_norm",
  "attn_q",
  "attn_k",
  "attn_v",
  "attn_output",
  "ffn_norm",
  "ffn_gate",
  "ffn_up",
  "ffn_down",
] as const;

// One decoder layer, [B*T, D] -> [B*T, D]; steer = sum_k eps_k v_k for this layer (DESIGN §4).
function block(cfg: LlamaConfig, p: (n: string) => Tensor, x: Tensor, B: number, T: number, steer?: Tensor): Tensor {
  const { nHeads, nKvHeads, ropeTheta: theta, normEps: eps } = cfg;
  const xn = rmsNorm(x, p("attn_norm"), eps);
  const q = rope(linear(xn, p("attn_q")), { T, nHeads, theta });
  const k = rope(linear(xn, p("attn_k")), { T, nHeads: nKvHeads, theta });
  const v = linear(xn, p("attn_v"));
  const h = add(x, linear(causalAttention(q, k, v, { B, T, nHeads, nKvHeads }), p("attn_output")));
  const hn = rmsNorm(h, p("ffn_norm"), eps);
  const out = add(h, linear(swiglu(linear(hn, p("ffn_gate")), linear(hn, p("ffn_up"))), p("ffn_down")));
  return steer ? add(out, steer) : out;
}

/**
 * A model with freshly initialised weights: N(0, 0.02) matrices, with the two residual projections (attn_output,
 * ffn_down) scaled by 1/sqrt(2 nLayers) as in GPT-2; norms at 1. Same seed, same weights.
 */
export function createLlama(config: LlamaConfig, opts: { seed: number }): LlamaModel {
  const cfg = checkLlamaConfig({ ...config });
  const rng = createRng(opts.seed);
  const params = new Map<string, Param>();
  const residualStd = 0.02 / Math.sqrt(2 * cfg.nLayers);
  for (const [name, shape] of llamaParamShapes(cfg)) {
    const n = shape.reduce((a, b) => a * b, 1);
    const data = new Float32Array(n);
    if (shape.length === 1) data.fill(1);
    else {
      const std = /attn_output|ffn_down/.test(name) ? residualStd : 0.02;
      fillNormal(data, rng, std);
    }
    params.set(name, { shape, data, grad: new Float32Array(n) });
  }
  return modelOver(cfg, params);
}

/**
 * A model over weights read from a file (a GGUF's, by name), without a random init first: the arrays become the
 * parameters, not copies, so the caller must not use them elsewhere. Every parameter must be there with its size.
 */
export function llamaFromWeights(config: LlamaConfig, weights: Map<string, Float32Array>): LlamaModel {
  const cfg = checkLlamaConfig({ ...config });
  const shapes = llamaParamShapes(cfg);
  checkWeightsFit(
    shapes.map(([name, shape]) => [name, shape]),
    weights,
  );
  const params = new Map<string, Param>();
  for (const [name, shape] of shapes) {
    const data = weights.get(name) as Float32Array;
    params.set(name, { shape, data, grad: new Float32Array(data.length) });
  }
  return modelOver(cfg, params);
}

function fillNormal(a: Float32Array, rng: Rng, std: number): void {
  for (let i = 0; i < a.length; i++) a[i] = rng.normal() * std;
}

function modelOver(cfg: LlamaConfig, params: Map<string, Param>): LlamaModel {
  // Leaves are built once: gradient leaves accumulate straight into Param.grad; constant ones record no graph.
  const gradLeaves = new Map<string, Tensor>();
  const constLeaves = new Map<string, Tensor>();
  for (const [name, p] of params) {
    gradLeaves.set(name, parameter(p.data, p.shape, p.grad));
    constLeaves.set(name, tensor(p.data, p.shape));
  }
  const lookup = (leaves: Map<string, Tensor>) => (name: string) => {
    const t = leaves.get(name);
    if (!t) throw new Error(`no parameter ${name}`);
    return t;
  };
  const withGrad = lookup(gradLeaves);
  const noGrad = lookup(constLeaves);
  const forward = (tokens: Int32Array, B: number, T: number, o: ForwardOptions & { grad?: boolean } = {}) => {
    checkTokens(cfg, tokens, B, T, "tokens");
    return llamaForward(cfg, o.grad === false ? noGrad : withGrad, tokens, B, T, o);
  };
  const loss = (b: TokenBatch, grad: boolean, steer?: Steering, checkpoint?: boolean) => {
    checkBatch(cfg, b);
    const logits = forward(b.tokens, b.B, b.T, { grad, steer, checkpoint });
    return crossEntropy(logits, b.targets, b.mask);
  };
  return {
    config: cfg,
    params,
    lossAndGrad(b, o = {}) {
      const l = loss(b, true, o.steer, o.checkpoint);
      l.backward(o.gradScale ?? 1);
      return { loss: l.item(), lossTokens: lossTokens(b) };
    },
    evalLoss(b, o = {}) {
      return { loss: loss(b, false, o.steer).item(), lossTokens: lossTokens(b) };
    },
    logits(tokens, B, T, o = {}) {
      return forward(tokens, B, T, { grad: false, steer: o.steer }).data as Float32Array;
    },
    forward,
    generate(prompt, o) {
      return generateTokens(cfg, (name) => noGrad(name).data as Float32Array, prompt, o);
    },
    zeroGrad() {
      for (const p of params.values()) p.grad.fill(0);
    },
  };
}

function checkTokens(cfg: LlamaConfig, tokens: Int32Array, B: number, T: number, what: string): void {
  if (!Number.isInteger(B) || !Number.isInteger(T) || B <= 0 || T <= 0)
    throw new EngineInputError(`batch needs positive integer B and T, got B=${B} T=${T}`);
  if (T > cfg.contextLength)
    throw new EngineInputError(`T=${T} exceeds the model's contextLength ${cfg.contextLength}`);
  if (tokens.length !== B * T) throw new EngineInputError(`${what} has ${tokens.length} values, B*T = ${B * T}`);
}

function checkBatch(cfg: LlamaConfig, b: TokenBatch): void {
  checkTokens(cfg, b.tokens, b.B, b.T, "tokens");
  checkTokens(cfg, b.targets, b.B, b.T, "targets");
  if (b.mask && b.mask.length !== b.B * b.T)
    throw new EngineInputError(`mask has ${b.mask.length} values, B*T = ${b.B * b.T}`);
}

/** Copies weights into the model; every parameter must be present with its exact size, and nothing else. */
export function loadLlamaWeights(model: LlamaModel, weights: Map<string, Float32Array>): void {
  checkWeightsFit(
    [...model.params].map(([name, p]) => [name, p.shape]),
    weights,
  );
  for (const [name, p] of model.params) p.data.set(weights.get(name) as Float32Array);
}

/** Every expected weight present with its exact size, and nothing else. */
function checkWeightsFit(expected: [string, number[]][], weights: Map<string, Float32Array>): void {
  const names = new Set(expected.map(([name]) => name));
  const missing = [...names].filter((n) => !weights.has(n));
  const extra = [...weights.keys()].filter((n) => !names.has(n));
  if (missing.length || extra.length)
    throw new EngineInputError(
      `weights do not fit the model: missing [${missing.join(", ")}], unexpected [${extra.join(", ")}]`,
    );
  for (const [name, shape] of expected) {
    const w = weights.get(name) as Float32Array;
    const size = shape.reduce((a, b) => a * b, 1);
    if (w.length !== size)
      throw new EngineInputError(
        `weight ${name} has ${w.length} values, the model's [${shape.join(", ")}] needs ${size}`,
      );
  }
}

/** A copy of every weight by GGUF name, in llamaParamShapes order. */
export function llamaWeights(model: LlamaModel): Map<string, Float32Array> {
  return new Map([...model.params].map(([name, p]) => [name, p.data.slice()]));
}
