import type { LocalModel } from "../llm/index.js";

/**
 * A dimensional controller extracted by contrast (DESIGN §4), for any GGUF model: per layer il >= 1,
 *   v_il = mean_{x ∈ high} h̄_il(x) − mean_{x ∈ low} h̄_il(x),    h̄_il(x) = mean over x's tokens of block il's output
 * then scaled to the layer's typical hidden-state norm, ‖v_il‖ = mean_x ‖h̄_il(x)‖, so a strength ε means "a shift
 * of ε times a typical hidden state" in every layer and every model. Layer 0 stays undefined (llama.cpp cannot
 * steer it).
 */
export async function extractController(
  model: Pick<LocalModel, "captureHiddenStates" | "info">,
  texts: { high: readonly string[]; low: readonly string[] },
  o: { onText?: () => void } = {},
): Promise<{ layers: (Float32Array | undefined)[]; separation: number[] }> {
  if (texts.high.length === 0 || texts.low.length === 0)
    throw new Error("contrast extraction needs high and low examples");
  const { nLayers, nEmbd } = model.info;
  const sums = { high: zeros(nLayers, nEmbd), low: zeros(nLayers, nEmbd) };
  const norm = new Float64Array(nLayers);
  for (const side of ["high", "low"] as const)
    for (const text of texts[side]) {
      const layers = await model.captureHiddenStates(text);
      layers.forEach((h, il) => {
        const mean = tokenMean(h, nEmbd);
        const acc = sums[side][il] as Float64Array;
        let sq = 0;
        for (let j = 0; j < nEmbd; j++) {
          acc[j] = (acc[j] as number) + (mean[j] as number) / texts[side].length;
          sq += (mean[j] as number) ** 2;
        }
        norm[il] = (norm[il] as number) + Math.sqrt(sq) / (texts.high.length + texts.low.length);
      });
      o.onText?.();
    }
  const separation: number[] = [];
  const layers = Array.from({ length: nLayers }, (_, il) => {
    if (il === 0) return undefined;
    const v = new Float32Array(nEmbd);
    let sq = 0;
    for (let j = 0; j < nEmbd; j++) {
      v[j] = ((sums.high[il] as Float64Array)[j] as number) - ((sums.low[il] as Float64Array)[j] as number);
      sq += (v[j] as number) ** 2;
    }
    const len = Math.sqrt(sq);
    separation[il] = len / Math.max(1e-12, norm[il] as number); // how far apart the two means are, in typical norms
    const scale = len > 0 ? (norm[il] as number) / len : 0;
    for (let j = 0; j < nEmbd; j++) v[j] = (v[j] as number) * scale;
    return v;
  });
  return { layers, separation };
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
