import { DIMENSIONS } from "../idea/index.js";
import type { LocalModel } from "../llm/index.js";
import { gram, inverse3 } from "./calibration.js";
import { type LabelledText, withEveryScore } from "./contrast-sets.js";

type HiddenStateModel = Pick<LocalModel, "captureHiddenStates" | "info">;
/** One controller: a direction per layer (layer 0 undefined) and how far apart, in typical norms, it was measured. */
export type ExtractedController = { layers: (Float32Array | undefined)[]; separation: number[] };

/**
 * A dimensional controller extracted by contrast (DESIGN §4), for any GGUF model: per layer il >= 1,
 *   v_il = mean_{x ∈ high} h̄_il(x) − mean_{x ∈ low} h̄_il(x),    h̄_il(x) = mean over x's tokens of block il's output
 * then scaled to the layer's typical hidden-state norm, ‖v_il‖ = mean_x ‖h̄_il(x)‖, so a strength ε means "a shift
 * of ε times a typical hidden state" in every layer and every model. Layer 0 stays undefined (llama.cpp cannot
 * steer it).
 */
export async function extractController(
  model: HiddenStateModel,
  texts: { high: readonly string[]; low: readonly string[] },
  o: { onText?: () => void } = {},
): Promise<ExtractedController> {
  if (texts.high.length === 0 || texts.low.length === 0)
    throw new Error("contrast extraction needs high and low examples");
  const { nLayers, nEmbd } = model.info;
  const sums = { high: zeros(nLayers, nEmbd), low: zeros(nLayers, nEmbd) };
  const norm = new Float64Array(nLayers);
  const n = texts.high.length + texts.low.length;
  for (const side of ["high", "low"] as const)
    for (const text of texts[side]) {
      const means = await layerMeans(model, text);
      means.forEach((mean, il) => {
        const acc = sums[side][il] as Float64Array;
        for (let j = 0; j < nEmbd; j++) acc[j] = (acc[j] as number) + (mean[j] as number) / texts[side].length;
        norm[il] = (norm[il] as number) + length(mean) / n;
      });
      o.onText?.();
    }
  return scaledToTypicalNorm(
    Array.from({ length: nLayers }, (_, il) =>
      (sums.high[il] as Float64Array).map((x, j) => x - ((sums.low[il] as Float64Array)[j] as number)),
    ),
    norm,
  );
}

/**
 * Partial controllers, one per dimension, by multiple regression of the ideas' hidden states on their three scores:
 *   h̄_il(x) − mean_x h̄_il ≈ Σ_k z_k(x) b_il,k,   B_il = (ZᵀZ)⁻¹ Zᵀ (H_il − H̄_il),   z_k standardised scores,
 * and v_il,k = b_il,k, scaled as extractController scales. b_k is the shift that goes with one standard deviation of
 * dimension k while the other two hold still. A contrast of high and low k also carries what correlates with k (the
 * reward models' scores correlate 0.5-0.7), so pushing novelty down pulled feasibility down with it.
 * Ideas missing a score are left out; choosing ideas by their scores (the extremes) does not bias the regression.
 */
export async function extractPartialControllers(
  model: HiddenStateModel,
  ideas: readonly LabelledText[],
  o: { onText?: () => void } = {},
): Promise<ExtractedController[]> {
  const complete = withEveryScore(ideas);
  if (complete.length < 2 * DIMENSIONS.length + 2)
    throw new RangeError(`${complete.length} ideas carry all three scores; partial extraction needs at least 8`);
  const z = standardised(complete.map((x) => DIMENSIONS.map((_, k) => x.targets[k] as number)));
  const { nLayers, nEmbd } = model.info;
  const zth = DIMENSIONS.map(() => zeros(nLayers, nEmbd)); // Σ_x z_k(x) h̄_il(x); z is centred, so H̄ drops out
  const norm = new Float64Array(nLayers);
  for (const [i, idea] of complete.entries()) {
    const means = await layerMeans(model, idea.text);
    means.forEach((mean, il) => {
      for (const [k, acc] of zth.entries()) {
        const row = acc[il] as Float64Array;
        const zk = z[i]?.[k] as number;
        for (let j = 0; j < nEmbd; j++) row[j] = (row[j] as number) + zk * (mean[j] as number);
      }
      norm[il] = (norm[il] as number) + length(mean) / complete.length;
    });
    o.onText?.();
  }
  const ztzInv = inverse3(gram(z));
  return DIMENSIONS.map((_, k) =>
    scaledToTypicalNorm(
      Array.from({ length: nLayers }, (_, il) => {
        const b = new Float64Array(nEmbd);
        for (const [m, acc] of zth.entries()) {
          const c = ztzInv[k]?.[m] as number;
          const row = acc[il] as Float64Array;
          for (let j = 0; j < nEmbd; j++) b[j] = (b[j] as number) + c * (row[j] as number);
        }
        return b;
      }),
      norm,
    ),
  );
}

/** Each layer's mean hidden state over the text's tokens. */
async function layerMeans(model: HiddenStateModel, text: string): Promise<Float64Array[]> {
  return (await model.captureHiddenStates(text)).map((h) => tokenMean(h, model.info.nEmbd));
}

/**
 * Directions (layer 0 dropped: llama.cpp cannot steer it) scaled to the layer's typical hidden-state norm, so a
 * strength ε means "a shift of ε times a typical hidden state" in every layer and every model; separation is how
 * long each direction was before, in those norms.
 */
function scaledToTypicalNorm(raw: readonly Float64Array[], norm: Float64Array): ExtractedController {
  const separation: number[] = [];
  const layers = raw.map((d, il) => {
    if (il === 0) return undefined;
    const len = length(d);
    separation[il] = len / Math.max(1e-12, norm[il] as number);
    const scale = len > 0 ? (norm[il] as number) / len : 0;
    return Float32Array.from(d, (x) => x * scale);
  });
  return { layers, separation };
}

/** Columns centred and scaled to unit variance; a constant column has no direction to find. */
function standardised(rows: readonly number[][]): number[][] {
  const cols = DIMENSIONS.map((d, k) => {
    const xs = rows.map((r) => r[k] as number);
    const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
    const sd = Math.sqrt(xs.reduce((a, x) => a + (x - mean) ** 2, 0) / xs.length);
    if (!(sd > 0)) throw new RangeError(`${d}: every idea has the same score, so it has no direction to regress on`);
    return { mean, sd };
  });
  return rows.map((r) => r.map((x, k) => (x - (cols[k]?.mean as number)) / (cols[k]?.sd as number)));
}

function length(v: ArrayLike<number>): number {
  let sq = 0;
  for (let j = 0; j < v.length; j++) sq += (v[j] as number) ** 2;
  return Math.sqrt(sq);
}

const zeros = (n: number, d: number) => Array.from({ length: n }, () => new Float64Array(d));

function tokenMean(h: Float32Array, d: number): Float64Array {
  const n = h.length / d;
  const out = new Float64Array(d);
  for (let t = 0; t < n; t++) for (let j = 0; j < d; j++) out[j] = (out[j] as number) + (h[t * d + j] as number) / n;
  return out;
}

/**
 * Centred controllers: v'_k = 3/2 (v_k − mean_j v_j) per layer. Under static control Σ_k w_k v'_k = Σ_k
 * 3/2 (w_k − 1/3) v_k, so equal weights steer nothing, weight 1 applies v_k in full, and a weight of 0 steers away
 * from k at half strength: the weights move each dimension both ways instead of only up.
 */
export function centerControllers(
  vectors: readonly (readonly (Float32Array | undefined)[])[],
): (Float32Array | undefined)[][] {
  const n = vectors.length;
  const nLayers = Math.max(...vectors.map((v) => v.length));
  const out = vectors.map(() => new Array<Float32Array | undefined>(nLayers).fill(undefined));
  for (let il = 0; il < nLayers; il++) {
    const present = vectors.map((v) => v[il]);
    const first = present.find((v) => v !== undefined);
    if (!first) continue;
    const mean = new Float32Array(first.length);
    for (const v of present)
      if (v) for (let j = 0; j < v.length; j++) mean[j] = (mean[j] as number) + (v[j] as number) / n;
    present.forEach((v, k) => {
      const c = new Float32Array(first.length);
      for (let j = 0; j < c.length; j++) c[j] = 1.5 * ((v?.[j] ?? 0) - (mean[j] as number));
      (out[k] as (Float32Array | undefined)[])[il] = c;
    });
  }
  return out;
}
