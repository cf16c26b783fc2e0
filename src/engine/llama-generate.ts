/**
 * KV-cached token-by-token decoding of the llama model, for sampling in tests and evaluation inside the engine
 * (the production inference path is llama.cpp over the exported GGUF). Each step runs one position through every
 * layer, appends its rotated key and its value to the layer's cache, and attends over the cache, so a sequence
 * of n tokens costs n single-row passes instead of n full re-runs.
 */
import type { Rng } from "../core/index.js";
import { EngineInputError } from "./engine-input-error.js";
import { headDim, type LlamaConfig } from "./llama-config.js";
import { kernels } from "./native-kernels.js";

export type GenerateOptions = {
  maxTokens: number; // new tokens at most; also ends when prompt + new tokens fill contextLength
  temperature?: number; // 0 or absent: greedy (argmax, lowest id on ties)
  topP?: number; // nucleus sampling: keep the smallest set of top tokens whose probability reaches topP
  rng?: Rng; // required when temperature > 0
  stopTokens?: number[]; // generation ends when one is sampled; it is not returned
  steer?: readonly (Float32Array | undefined)[]; // per layer, a [dModel] vector added to the block's output
};

/** Logits of the next token after each fed token, with the KV cache kept between calls. */
export type Decoder = {
  feed(token: number): Float32Array;
  /** Feeds a whole prompt into an empty cache in one batched pass; returns the logits after its last token. */
  prefill(tokens: readonly number[]): Float32Array;
  /**
   * Appends tokens after the cached ones in one batched pass. Returns the logits after the last, and with
   * `hidden` the final normalised hidden state of every new row [n, dModel] (what a pooled reward head reads).
   */
  extend(tokens: readonly number[], o?: { hidden?: boolean }): { logits: Float32Array; hidden?: Float32Array };
  /**
   * Runs several continuations of the cached tokens in one batch, each as if it alone followed them, and returns
   * the final normalised hidden state of every new row, continuation after continuation [Σ n_c, dModel]. The cache
   * keeps only what it held before (position unchanged): best-of-K's candidates all continue one idea so far.
   */
  branch(continuations: readonly (readonly number[])[]): Float32Array;
  /** Forgets the cached positions from `position` on (the keys and values before it stay valid: causal). */
  rewind(position: number): void;
  readonly position: number;
};

export function createDecoder(
  cfg: LlamaConfig,
  weight: (name: string) => Float32Array,
  steer?: readonly (Float32Array | undefined)[],
): Decoder {
  const k = kernels();
  const D = cfg.dModel;
  const hd = headDim(cfg);
  const kvW = cfg.nKvHeads * hd;
  const ctx = cfg.contextLength;
  const V = cfg.vocabSize;
  const kCache = Array.from({ length: cfg.nLayers }, () => new Float32Array(ctx * kvW));
  const vCache = Array.from({ length: cfg.nLayers }, () => new Float32Array(ctx * kvW));
  const x = new Float32Array(D);
  const xn = new Float32Array(D);
  const rstd = new Float32Array(1);
  const q = new Float32Array(D);
  const qr = new Float32Array(D);
  const kv = new Float32Array(kvW);
  const att = new Float32Array(D);
  const o = new Float32Array(D);
  const g = new Float32Array(cfg.dFf);
  const u = new Float32Array(cfg.dFf);
  const h = new Float32Array(cfg.dFf);
  const emb = weight("token_embd.weight");
  const head = weight(cfg.tiedEmbeddings ? "token_embd.weight" : "output.weight");
  const matvec = (w: Float32Array, inp: Float32Array, out: Float32Array, n: number, kk: number) =>
    k.gemm(false, true, 1, n, kk, 1, inp, kk, w, kk, 0, out, n);
  let pos = 0;

  const feed = (token: number): Float32Array => {
    if (!Number.isInteger(token) || token < 0 || token >= V)
      throw new EngineInputError(`token ${token} is outside the vocabulary [0, ${V})`);
    if (pos >= ctx) throw new EngineInputError(`the context of ${ctx} tokens is full`);
    x.set(emb.subarray(token * D, (token + 1) * D));
    for (let l = 0; l < cfg.nLayers; l++) {
      const w = (n: string) => weight(`blk.${l}.${n}.weight`);
      k.rmsNormForward(x, w("attn_norm"), xn, rstd, 1, D, cfg.normEps);
      matvec(w("attn_q"), xn, q, D, D);
      k.rope(q, qr, 1, 1, cfg.nHeads, hd, cfg.ropeTheta, pos, false, false);
      matvec(w("attn_k"), xn, kv, kvW, D);
      k.rope(
        kv,
        kCache[l]!.subarray(pos * kvW, (pos + 1) * kvW),
        1,
        1,
        cfg.nKvHeads,
        hd,
        cfg.ropeTheta,
        pos,
        false,
        false,
      );
      matvec(w("attn_v"), xn, vCache[l]!.subarray(pos * kvW, (pos + 1) * kvW), kvW, D);
      // The new query against the pos + 1 cached keys: the training kernel with Tq = 1.
      k.attentionForward(qr, kCache[l]!, vCache[l]!, att, null, 1, 1, pos + 1, cfg.nHeads, cfg.nKvHeads, hd);
      matvec(w("attn_output"), att, o, D, D);
      for (let i = 0; i < D; i++) x[i] = (x[i] as number) + (o[i] as number);
      k.rmsNormForward(x, w("ffn_norm"), xn, rstd, 1, D, cfg.normEps);
      matvec(w("ffn_gate"), xn, g, cfg.dFf, D);
      matvec(w("ffn_up"), xn, u, cfg.dFf, D);
      k.swigluForward(g, u, h, cfg.dFf);
      matvec(w("ffn_down"), h, o, D, cfg.dFf);
      const s = steer?.[l];
      for (let i = 0; i < D; i++) x[i] = (x[i] as number) + (o[i] as number) + (s ? (s[i] as number) : 0);
    }
    k.rmsNormForward(x, weight("output_norm.weight"), xn, rstd, 1, D, cfg.normEps);
    const logits = new Float32Array(V);
    matvec(head, xn, logits, V, D);
    pos++;
    return logits;
  };

  const checkTokens = (tokens: readonly number[]) => {
    for (const t of tokens)
      if (!Number.isInteger(t) || t < 0 || t >= V)
        throw new EngineInputError(`token ${t} is outside the vocabulary [0, ${V})`);
  };

  /**
   * Every layer over R new rows as one batch: GEMMs instead of R matrix-vector products. `attend(l, q, k, v, a, qr)`
   * turns layer l's queries, keys and values (unrotated) into the attention output a, writing keys and values into
   * the caches where it wants them; qr [R, D] is scratch for the rotated queries, allocated once per pass rather
   * than once per layer. Returns the residual stream X [R, D] after the last layer.
   */
  const layers = (
    tokens: readonly number[],
    attend: (l: number, q: Float32Array, k: Float32Array, v: Float32Array, a: Float32Array, qr: Float32Array) => void,
  ): Float32Array => {
    const R = tokens.length;
    const rows = (width: number) => new Float32Array(R * width);
    const mm = (inp: Float32Array, w: Float32Array, out: Float32Array, nOut: number, nIn: number) =>
      k.gemm(false, true, R, nOut, nIn, 1, inp, nIn, w, nIn, 0, out, nOut);
    const [X, Xn, Q, Qr, A, O] = [rows(D), rows(D), rows(D), rows(D), rows(D), rows(D)];
    const [Kraw, Vraw] = [rows(kvW), rows(kvW)];
    const [G, U, H] = [rows(cfg.dFf), rows(cfg.dFf), rows(cfg.dFf)];
    const rs = new Float32Array(R);
    k.embeddingForward(emb, Int32Array.from(tokens), X, R, D, V);
    for (let l = 0; l < cfg.nLayers; l++) {
      const w = (name: string) => weight(`blk.${l}.${name}.weight`);
      k.rmsNormForward(X, w("attn_norm"), Xn, rs, R, D, cfg.normEps);
      mm(Xn, w("attn_q"), Q, D, D);
      mm(Xn, w("attn_k"), Kraw, kvW, D);
      mm(Xn, w("attn_v"), Vraw, kvW, D);
      attend(l, Q, Kraw, Vraw, A, Qr);
      mm(A, w("attn_output"), O, D, D);
      k.axpy(X, O, 1, R * D, R * D);
      k.rmsNormForward(X, w("ffn_norm"), Xn, rs, R, D, cfg.normEps);
      mm(Xn, w("ffn_gate"), G, cfg.dFf, D);
      mm(Xn, w("ffn_up"), U, cfg.dFf, D);
      k.swigluForward(G, U, H, R * cfg.dFf);
      mm(H, w("ffn_down"), O, D, cfg.dFf);
      k.axpy(X, O, 1, R * D, R * D);
      const st = steer?.[l];
      if (st) k.axpy(X, st, 1, R * D, D);
    }
    return X;
  };

  /**
   * n rows at positions from..from+n-1 of layer l: queries rotated into qr (scratch of q's length), keys rotated and
   * values copied into the caches at those positions, and attention of each row over the cache up to itself (the
   * training kernel).
   */
  const attendAt = (
    l: number,
    from: number,
    q: Float32Array,
    kk: Float32Array,
    v: Float32Array,
    a: Float32Array,
    qr: Float32Array,
  ) => {
    const n = q.length / D;
    const end = from + n;
    k.rope(q, qr, n, n, cfg.nHeads, hd, cfg.ropeTheta, from, false, false);
    k.rope(kk, kCache[l]!.subarray(from * kvW, end * kvW), n, n, cfg.nKvHeads, hd, cfg.ropeTheta, from, false, false);
    vCache[l]!.set(v, from * kvW);
    const Kc = kCache[l]!.subarray(0, end * kvW);
    const Vc = vCache[l]!.subarray(0, end * kvW);
    k.attentionForward(qr, Kc, Vc, a, null, 1, n, end, cfg.nHeads, cfg.nKvHeads, hd);
  };

  // New tokens after the cached ones as one batch; keys and values kept in the caches. Same arithmetic as feeding
  // token by token.
  const extend = (tokens: readonly number[], opts: { hidden?: boolean } = {}) => {
    const n = tokens.length;
    if (n === 0) throw new EngineInputError("extend needs at least one token");
    if (pos + n > ctx) throw new EngineInputError(`${pos} cached + ${n} new tokens exceed the context of ${ctx}`);
    checkTokens(tokens);
    const X = layers(tokens, (l, q, kk, v, a, qr) => attendAt(l, pos, q, kk, v, a, qr));
    const rs = new Float32Array(n);
    const logits = new Float32Array(V);
    let hidden: Float32Array | undefined;
    if (opts.hidden) {
      hidden = new Float32Array(n * D);
      k.rmsNormForward(X, weight("output_norm.weight"), hidden, rs, n, D, cfg.normEps);
      matvec(head, hidden.subarray((n - 1) * D), logits, V, D);
    } else {
      x.set(X.subarray((n - 1) * D));
      k.rmsNormForward(x, weight("output_norm.weight"), xn, rstd, 1, D, cfg.normEps);
      matvec(head, xn, logits, V, D);
    }
    pos += n;
    return hidden ? { logits, hidden } : { logits };
  };

  // The continuations' rows as one batch for every GEMM (a GEMM of 16 x 20 rows runs about 2.5x the FLOP/s of one
  // of 20 rows), attention one continuation at a time: its keys and values go in the cache after the shared
  // positions, where the next continuation's overwrite them.
  const branch = (continuations: readonly (readonly number[])[]): Float32Array => {
    const lengths = continuations.map((c) => c.length);
    if (lengths.some((n) => n === 0)) throw new EngineInputError("branch needs at least one token per continuation");
    const longest = Math.max(0, ...lengths);
    if (pos + longest > ctx)
      throw new EngineInputError(`${pos} cached + ${longest} new tokens exceed the context of ${ctx}`);
    const tokens = continuations.flat();
    checkTokens(tokens);
    const starts = lengths.map((_, c) => lengths.slice(0, c).reduce((a, b) => a + b, 0));
    const X = layers(tokens, (l, q, kk, v, a, qr) => {
      for (const [c, n] of lengths.entries()) {
        const [r0, r1] = [starts[c] as number, (starts[c] as number) + n];
        const rowsOf = (t: Float32Array, width: number) => t.subarray(r0 * width, r1 * width);
        attendAt(l, pos, rowsOf(q, D), rowsOf(kk, kvW), rowsOf(v, kvW), rowsOf(a, D), rowsOf(qr, D));
      }
    });
    const hidden = new Float32Array(tokens.length * D);
    k.rmsNormForward(
      X,
      weight("output_norm.weight"),
      hidden,
      new Float32Array(tokens.length),
      tokens.length,
      D,
      cfg.normEps,
    );
    return hidden;
  };

  const prefill = (tokens: readonly number[]): Float32Array => {
    if (pos !== 0) throw new EngineInputError("prefill needs an empty cache; feed tokens one by one to continue");
    if (tokens.length > ctx)
      throw new EngineInputError(`prompt of ${tokens.length} tokens exceeds the context of ${ctx}`);
    return extend(tokens).logits;
  };

  const rewind = (position: number) => {
    if (!Number.isInteger(position) || position < 0 || position > pos)
      throw new EngineInputError(`rewind to ${position}: the cache holds ${pos} positions`);
    pos = position;
  };

  return {
    feed,
    prefill,
    extend,
    branch,
    rewind,
    get position() {
      return pos;
    },
  };
}

export function generateTokens(
  cfg: LlamaConfig,
  weight: (name: string) => Float32Array,
  prompt: number[],
  o: GenerateOptions,
): number[] {
  if (prompt.length === 0) throw new EngineInputError("generate needs a prompt of at least one token");
  if (prompt.length > cfg.contextLength)
    throw new EngineInputError(`prompt of ${prompt.length} tokens exceeds the context of ${cfg.contextLength}`);
  const temperature = o.temperature ?? 0;
  if (temperature > 0 && !o.rng) throw new EngineInputError("sampling with temperature > 0 needs an rng");
  const stop = new Set(o.stopTokens ?? []);
  const dec = createDecoder(cfg, weight, o.steer);
  let logits = dec.prefill(prompt);
  const out: number[] = [];
  // Prompt plus generated tokens never exceed contextLength, the longest sequence the model was trained on.
  while (out.length < o.maxTokens && prompt.length + out.length < cfg.contextLength) {
    const next = temperature > 0 ? sampleToken(logits, temperature, o.topP ?? 1, o.rng as Rng) : argmax(logits);
    if (stop.has(next)) break;
    out.push(next);
    if (out.length === o.maxTokens || prompt.length + out.length === cfg.contextLength) break;
    logits = dec.feed(next);
  }
  return out;
}

export function argmax(a: Float32Array): number {
  let best = 0;
  for (let i = 1; i < a.length; i++) if ((a[i] as number) > (a[best] as number)) best = i;
  return best;
}

/** Samples from softmax(logits / temperature), restricted to the top-p nucleus. */
export function sampleToken(logits: Float32Array, temperature: number, topP: number, rng: Rng): number {
  let mx = -Infinity;
  for (const z of logits) if (z > mx) mx = z;
  const probs = Float64Array.from(logits, (z) => Math.exp((z - mx) / temperature));
  let total = 0;
  for (const p of probs) total += p;
  const order = Array.from(probs.keys()).sort((a, b) => (probs[b] as number) - (probs[a] as number) || a - b);
  let kept = 0;
  let mass = 0;
  while (kept < order.length && (kept === 0 || mass < topP * total)) mass += probs[order[kept++] as number] as number;
  let r = rng.next() * mass;
  for (let i = 0; i < kept; i++) {
    const id = order[i] as number;
    r -= probs[id] as number;
    if (r < 0) return id;
  }
  return order[kept - 1] as number;
}
