import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { z } from "zod";
import { CorruptFileError, type Rng, writeFileAtomic } from "../core/index.js";
import { DIMENSIONS, IDEA_FIELDS, IDEA_LABELS, type IdeaFieldPath, type Scores, sampleWeights } from "../idea/index.js";

/**
 * The sentence-level decoder (DESIGN §4): at each sentence boundary a small network reads
 *   x = [w (3), the section being written (one-hot, 5), the reward models' scores of the idea so far (3), 1]
 * and gives the strengths for the next sentence, eps = epsMax · σ(W2 · tanh(W1 · x + b1) + b2), bounded in
 * [0, epsMax]. Trained by policy gradient with the policy frozen (`train decoder`): during training eps is drawn
 * from N(mean, sigma²) around that output (clamped to the bounds), and log N(eps; mean, sigma) carries the gradient.
 * The last hidden state DESIGN lists is left out: the reward models' prefix scores already summarise the idea so
 * far, and reading hidden states back from llama.cpp at every boundary would cost a second pass.
 */
export const FEATURES = DIMENSIONS.length + IDEA_FIELDS.length + DIMENSIONS.length + 1;
const K = DIMENSIONS.length;

export type DecoderWeights = { hidden: number; w1: Float32Array; b1: Float32Array; w2: Float32Array; b2: Float32Array };
export type SentenceDecoder = DecoderWeights & {
  epsMax: number;
  sigma: number;
  /** the reward model it was trained against (its inputs are that model's scores), where its file names one */
  rewardModel?: string;
};

/** Small random first layer, zero output layer: a fresh decoder outputs epsMax / 2 on every dimension. */
export function initDecoder(o: { hidden: number; epsMax: number; sigma: number; rng: Rng }): SentenceDecoder {
  const w1 = Float32Array.from({ length: o.hidden * FEATURES }, () => o.rng.normal() * (1 / Math.sqrt(FEATURES)));
  return {
    hidden: o.hidden,
    w1,
    b1: new Float32Array(o.hidden),
    w2: new Float32Array(K * o.hidden),
    b2: new Float32Array(K),
    epsMax: o.epsMax,
    sigma: o.sigma,
  };
}

/** The section a prefix is writing: the last label it has reached (title before any). */
export function sectionOf(prefix: string): IdeaFieldPath {
  let at = -1;
  let section: IdeaFieldPath = "title";
  for (const f of IDEA_FIELDS) {
    const i = prefix.lastIndexOf(`${IDEA_LABELS[f]}:`);
    if (i > at) {
      at = i;
      section = f;
    }
  }
  return section;
}

export function decoderFeatures(w: Scores, section: IdeaFieldPath, prefixScores: Scores): Float32Array {
  const x = new Float32Array(FEATURES);
  DIMENSIONS.forEach((d, k) => {
    x[k] = w[d];
    x[K + IDEA_FIELDS.length + k] = prefixScores[d];
  });
  x[K + IDEA_FIELDS.indexOf(section)] = 1;
  x[FEATURES - 1] = 1;
  return x;
}

/** The reward models' scores of the prefix a decision read (decoderFeatures' inverse for that part). */
export const prefixScoresOf = (x: Float32Array): Scores =>
  Object.fromEntries(DIMENSIONS.map((d, k) => [d, x[K + IDEA_FIELDS.length + k] as number])) as Scores;

/** The forward pass, keeping what the backward needs: h = tanh(W1 x + b1), u = W2 h + b2, mean = epsMax σ(u). */
export function decoderForward(dec: DecoderWeights & { epsMax: number }, x: Float32Array) {
  const h = new Float32Array(dec.hidden);
  for (let i = 0; i < dec.hidden; i++) {
    let s = dec.b1[i] as number;
    for (let j = 0; j < FEATURES; j++) s += (dec.w1[i * FEATURES + j] as number) * (x[j] as number);
    h[i] = Math.tanh(s);
  }
  const mean = new Float32Array(K);
  for (let k = 0; k < K; k++) {
    let u = dec.b2[k] as number;
    for (let i = 0; i < dec.hidden; i++) u += (dec.w2[k * dec.hidden + i] as number) * (h[i] as number);
    mean[k] = dec.epsMax / (1 + Math.exp(-u));
  }
  return { h, mean };
}

/** The strengths for one sentence: the mean (deterministic, at inference), or a draw around it (training). */
export function decideStrengths(dec: SentenceDecoder, x: Float32Array, rng?: Rng): number[] {
  const { mean } = decoderForward(dec, x);
  return Array.from(mean, (m) => (rng ? Math.min(dec.epsMax, Math.max(0, m + dec.sigma * rng.normal())) : m));
}

/**
 * REINFORCE for one decision: adds coef · ∇ log N(eps; mean(x), sigma²) to the gradient buffers (coef = −(R − b),
 * so a descent step raises the log-probability of decisions that beat the baseline).
 *   ∂ log N / ∂mean_k = (eps_k − mean_k) / sigma²;  ∂mean_k/∂u_k = mean_k (1 − mean_k / epsMax)
 */
export function accumulateDecisionGrad(
  dec: SentenceDecoder,
  grad: DecoderWeights,
  x: Float32Array,
  eps: readonly number[],
  coef: number,
): void {
  const { h, mean } = decoderForward(dec, x);
  const dh = new Float32Array(dec.hidden);
  for (let k = 0; k < K; k++) {
    const m = mean[k] as number;
    const du = ((coef * ((eps[k] as number) - m)) / dec.sigma ** 2) * m * (1 - m / dec.epsMax);
    grad.b2[k] = (grad.b2[k] as number) + du;
    for (let i = 0; i < dec.hidden; i++) {
      grad.w2[k * dec.hidden + i] = (grad.w2[k * dec.hidden + i] as number) + du * (h[i] as number);
      dh[i] = (dh[i] as number) + du * (dec.w2[k * dec.hidden + i] as number);
    }
  }
  for (let i = 0; i < dec.hidden; i++) {
    const da = (dh[i] as number) * (1 - (h[i] as number) ** 2);
    grad.b1[i] = (grad.b1[i] as number) + da;
    for (let j = 0; j < FEATURES; j++)
      grad.w1[i * FEATURES + j] = (grad.w1[i * FEATURES + j] as number) + da * (x[j] as number);
  }
}

/**
 * Starts the decoder at static control: fits its output to epsMax · w over random inputs (w uniform on the simplex,
 * any section, any prefix scores) by gradient descent on ½‖mean(x) − epsMax · w‖². Policy gradient then starts from
 * what static control already achieves instead of from epsMax / 2 everywhere. The squared error's gradient is
 * REINFORCE's with eps = the target and coef = −sigma², so the same backward serves both.
 * Returns the final mean squared error (in eps units²).
 */
export function warmStartAtStatic(dec: SentenceDecoder, rng: Rng, o = { steps: 1000, batch: 32, lr: 2 }): number {
  const grad: DecoderWeights = {
    hidden: dec.hidden,
    w1: new Float32Array(dec.w1.length),
    b1: new Float32Array(dec.b1.length),
    w2: new Float32Array(dec.w2.length),
    b2: new Float32Array(dec.b2.length),
  };
  const scale = o.lr / (o.batch * dec.epsMax ** 2); // the error is in eps units: epsMax² sets its scale
  let mse = 0;
  for (let step = 0; step < o.steps; step++) {
    for (const g of [grad.w1, grad.b1, grad.w2, grad.b2]) g.fill(0);
    mse = 0;
    for (let b = 0; b < o.batch; b++) {
      const w = sampleWeights(rng);
      const section = IDEA_FIELDS[Math.floor(rng.next() * IDEA_FIELDS.length)] as IdeaFieldPath;
      const scores = Object.fromEntries(DIMENSIONS.map((d) => [d, rng.next()])) as Scores;
      const x = decoderFeatures(w, section, scores);
      const target = DIMENSIONS.map((d) => dec.epsMax * w[d]);
      const { mean } = decoderForward(dec, x);
      mse += mean.reduce((a, m, k) => a + (m - (target[k] as number)) ** 2, 0) / (K * o.batch);
      accumulateDecisionGrad(dec, grad, x, target, -(dec.sigma ** 2));
    }
    for (const [p, g] of [
      [dec.w1, grad.w1],
      [dec.b1, grad.b1],
      [dec.w2, grad.w2],
      [dec.b2, grad.b2],
    ] as const)
      for (let i = 0; i < p.length; i++) p[i] = (p[i] as number) - scale * (g[i] as number);
  }
  return mse;
}

export const DECODER_FORMAT = "ideasteer-sentence-decoder";
const DecoderFile = z.object({
  format: z.literal(DECODER_FORMAT),
  version: z.literal(1),
  features: z.literal(FEATURES),
  hidden: z.number().int().positive(),
  epsMax: z.number().min(0),
  sigma: z.number().positive(),
  w1: z.array(z.number()),
  b1: z.array(z.number()),
  w2: z.array(z.number()),
  b2: z.array(z.number()),
  provenance: z.record(z.string(), z.unknown()),
});

export function saveDecoder(path: string, dec: SentenceDecoder, provenance: Record<string, unknown>): void {
  const body = {
    format: DECODER_FORMAT,
    version: 1,
    features: FEATURES,
    hidden: dec.hidden,
    epsMax: dec.epsMax,
    sigma: dec.sigma,
    w1: Array.from(dec.w1),
    b1: Array.from(dec.b1),
    w2: Array.from(dec.w2),
    b2: Array.from(dec.b2),
    provenance,
  };
  writeFileAtomic(path, `${JSON.stringify(body)}\n`);
}

export function loadDecoder(path: string): SentenceDecoder {
  const parsed = DecoderFile.safeParse(JSON.parse(readFileSync(path, "utf8")));
  if (!parsed.success) throw new CorruptFileError(path, `not a sentence decoder: ${parsed.error.issues[0]?.message}`);
  const f = parsed.data;
  if (
    f.w1.length !== f.hidden * FEATURES ||
    f.w2.length !== K * f.hidden ||
    f.b1.length !== f.hidden ||
    f.b2.length !== K
  )
    throw new CorruptFileError(path, "weight shapes do not match hidden size");
  return {
    hidden: f.hidden,
    w1: Float32Array.from(f.w1),
    b1: Float32Array.from(f.b1),
    w2: Float32Array.from(f.w2),
    b2: Float32Array.from(f.b2),
    epsMax: f.epsMax,
    sigma: f.sigma,
    // provenance `rewardModel` is relative to the decoder's folder
    ...(typeof f.provenance.rewardModel === "string" && f.provenance.rewardModel
      ? { rewardModel: resolve(dirname(path), f.provenance.rewardModel) }
      : {}),
  };
}
