/**
 * A plain float64 forward pass of the llama architecture, written to be read, not to be fast: the
 * yardstick llama.cpp's logits are checked against (parity tests). Weights are GGUF-named and
 * row-major [out][in], as in engine/llama-config.ts.
 *
 *   x_0 = E[token]
 *   per block l:  h = x + W_o · attn(RoPE(W_q · n), RoPE(W_k · n), W_v · n),   n = rmsnorm(x) ⊙ g_attn
 *                 x = h + W_down · (silu(W_gate · m) ⊙ (W_up · m)) + c_l,      m = rmsnorm(h) ⊙ g_ffn
 *   logits = W_out · (rmsnorm(x) ⊙ g_out)
 * c_l is the control vector of block l (strength already applied). A LoRA pair adds
 * scale · (alpha / rank) · B·A to its base matrix.
 */
import type { LlamaConfig } from "../engine/index.js";

export type ReferenceLora = {
  alpha: number;
  scale: number;
  adapters: Map<string, { a: Float32Array; b: Float32Array; rank: number }>; // a: [rank][in], b: [out][rank]
};

export type ReferenceOptions = {
  controlVector?: ReadonlyArray<Float32Array | undefined>; // layers[il] added to block il's output
  strength?: number | ((pos: number) => number); // one strength, or one per position (steering that changes between tokens)
  loras?: ReferenceLora[];
};

export type ReferenceForward = {
  logits: Float64Array[]; // [pos][vocab]
  hidden: Float64Array[][]; // [layer][pos][dModel]: each block's output, control vector included
};

type Matrix = { rows: number; cols: number; w: Float64Array }; // row-major [rows = out][cols = in]

/** Logits (float64) at every position of `tokens`. */
export function referenceLogits(
  model: { config: LlamaConfig; weights: Map<string, Float32Array> },
  tokens: readonly number[],
  opts: ReferenceOptions = {},
): Float64Array[] {
  return referenceForward(model, tokens, opts).logits;
}

/** Logits and per-block hidden states (float64) at every position of `tokens`. */
export function referenceForward(
  model: { config: LlamaConfig; weights: Map<string, Float32Array> },
  tokens: readonly number[],
  opts: ReferenceOptions = {},
): ReferenceForward {
  const c = model.config;
  const D = c.dModel;
  const hd = D / c.nHeads;
  const dKv = hd * c.nKvHeads;
  const mat = (name: string, rows: number, cols: number): Matrix =>
    withLoras(name, rows, cols, model.weights, opts.loras);
  const vec = (name: string) => Float64Array.from(model.weights.get(name)!);
  const embd = mat("token_embd.weight", c.vocabSize, D);

  const strengthAt = (pos: number): number =>
    typeof opts.strength === "function" ? opts.strength(pos) : (opts.strength ?? 1);
  const hidden: Float64Array[][] = [];
  let xs: Float64Array[] = tokens.map((t) => embd.w.slice(t * D, (t + 1) * D));
  for (let l = 0; l < c.nLayers; l++) {
    const b = `blk.${l}`;
    const Wq = mat(`${b}.attn_q.weight`, D, D);
    const Wk = mat(`${b}.attn_k.weight`, dKv, D);
    const Wv = mat(`${b}.attn_v.weight`, dKv, D);
    const Wo = mat(`${b}.attn_output.weight`, D, D);
    const Wg = mat(`${b}.ffn_gate.weight`, c.dFf, D);
    const Wu = mat(`${b}.ffn_up.weight`, c.dFf, D);
    const Wd = mat(`${b}.ffn_down.weight`, D, c.dFf);
    const gAttn = vec(`${b}.attn_norm.weight`);
    const gFfn = vec(`${b}.ffn_norm.weight`);

    const normed = xs.map((x) => rmsNorm(x, gAttn, c.normEps));
    const q = normed.map((n, pos) => rope(matVec(Wq, n), pos, hd, c.ropeTheta));
    const k = normed.map((n, pos) => rope(matVec(Wk, n), pos, hd, c.ropeTheta));
    const v = normed.map((n) => matVec(Wv, n));
    const steer = l > 0 ? opts.controlVector?.[l] : undefined;
    xs = xs.map((x, t) => {
      const att = attention(q, k, v, t, c.nHeads, c.nKvHeads, hd);
      const h = add(x, matVec(Wo, att));
      const m = rmsNorm(h, gFfn, c.normEps);
      const gate = matVec(Wg, m);
      const up = matVec(Wu, m);
      const act = gate.map((g, i) => silu(g) * up[i]);
      const out = add(h, matVec(Wd, act));
      if (steer) for (let i = 0; i < D; i++) out[i] += strengthAt(t) * steer[i];
      return out;
    });
    hidden.push(xs);
  }
  const gOut = vec("output_norm.weight");
  const head = c.tiedEmbeddings ? embd : mat("output.weight", c.vocabSize, D);
  return { logits: xs.map((x) => matVec(head, rmsNorm(x, gOut, c.normEps))), hidden };
}

/** Causal multi-head attention for position t; query head h reads kv head floor(h / (nHeads / nKvHeads)). */
function attention(
  q: Float64Array[],
  k: Float64Array[],
  v: Float64Array[],
  t: number,
  nHeads: number,
  nKvHeads: number,
  hd: number,
): Float64Array {
  const out = new Float64Array(nHeads * hd);
  const group = nHeads / nKvHeads;
  for (let h = 0; h < nHeads; h++) {
    const kvh = Math.floor(h / group);
    const scores = new Float64Array(t + 1);
    for (let s = 0; s <= t; s++) {
      let dot = 0;
      for (let i = 0; i < hd; i++) dot += q[t][h * hd + i] * k[s][kvh * hd + i];
      scores[s] = dot / Math.sqrt(hd);
    }
    const p = softmax(scores);
    for (let s = 0; s <= t; s++) for (let i = 0; i < hd; i++) out[h * hd + i] += p[s] * v[s][kvh * hd + i];
  }
  return out;
}

/** RoPE on adjacent pairs (2i, 2i+1) of each head, angle pos · theta^(-2i/hd) (llama.cpp's LLAMA_ROPE_TYPE_NORM). */
function rope(x: Float64Array, pos: number, hd: number, theta: number): Float64Array {
  const out = x.slice();
  for (let h = 0; h < x.length / hd; h++) {
    for (let i = 0; i < hd; i += 2) {
      const a = pos * theta ** (-i / hd);
      const [x0, x1] = [x[h * hd + i], x[h * hd + i + 1]];
      out[h * hd + i] = x0 * Math.cos(a) - x1 * Math.sin(a);
      out[h * hd + i + 1] = x0 * Math.sin(a) + x1 * Math.cos(a);
    }
  }
  return out;
}

function rmsNorm(x: Float64Array, g: Float64Array, eps: number): Float64Array {
  let ss = 0;
  for (const xi of x) ss += xi * xi;
  const r = 1 / Math.sqrt(ss / x.length + eps);
  return x.map((xi, i) => xi * r * g[i]);
}

const silu = (z: number): number => z / (1 + Math.exp(-z));

function softmax(z: Float64Array): Float64Array {
  const m = Math.max(...z);
  const e = z.map((zi) => Math.exp(zi - m));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((ei) => ei / s);
}

const add = (a: Float64Array, b: Float64Array): Float64Array => a.map((ai, i) => ai + b[i]);

function matVec(m: Matrix, x: Float64Array): Float64Array {
  const y = new Float64Array(m.rows);
  for (let r = 0; r < m.rows; r++) {
    let s = 0;
    for (let j = 0; j < m.cols; j++) s += m.w[r * m.cols + j] * x[j];
    y[r] = s;
  }
  return y;
}

/** W + Σ scale · (alpha / rank) · B·A over the LoRAs that target `name`. */
function withLoras(
  name: string,
  rows: number,
  cols: number,
  weights: Map<string, Float32Array>,
  loras: ReferenceLora[] | undefined,
): Matrix {
  const src = weights.get(name);
  if (src === undefined) throw new Error(`reference forward: weight ${name} missing`);
  if (src.length !== rows * cols)
    throw new Error(`reference forward: ${name} has ${src.length} values, not ${rows}x${cols}`);
  const w = Float64Array.from(src);
  for (const lora of loras ?? []) {
    const ad = lora.adapters.get(name);
    if (ad === undefined) continue;
    const s = (lora.scale * lora.alpha) / ad.rank;
    for (let r = 0; r < rows; r++) {
      for (let j = 0; j < cols; j++) {
        let d = 0;
        for (let k = 0; k < ad.rank; k++) d += ad.b[r * ad.rank + k] * ad.a[k * cols + j];
        w[r * cols + j] += s * d;
      }
    }
  }
  return { rows, cols, w };
}
