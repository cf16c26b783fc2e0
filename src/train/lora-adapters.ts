import { createRng } from "../core/index.js";
import { kernels, type LlamaConfig, type LlamaModel, llamaTensorShapes, type Param } from "../engine/index.js";

/** The matrices LoRA can adapt in every block; `train lora` defaults to attention's four (PEFT's q/k/v/o). */
export const LORA_TARGETS = ["attn_q", "attn_k", "attn_v", "attn_output", "ffn_gate", "ffn_up", "ffn_down"] as const;
export type LoraTarget = (typeof LORA_TARGETS)[number];

/** One adapted matrix W [out][in]: ΔW = scale · B·A, A [rank][in], B [out][rank] (PEFT's lora_A / lora_B). */
export type LoraAdapter = { base: string; out: number; in: number; a: Param; b: Param };

/**
 * Fresh adapters for `targets` in every block: A ~ U(-1/√in, 1/√in) (PEFT's kaiming-uniform bound), B = 0, so
 * the adapted model starts exactly at the base model.
 */
export function createLoraAdapters(
  config: LlamaConfig,
  o: { rank: number; targets: readonly LoraTarget[]; seed: number },
): LoraAdapter[] {
  const rng = createRng(o.seed);
  const wanted = new Set(o.targets.map((t) => `.${t}.weight`));
  const out: LoraAdapter[] = [];
  for (const [name, shape] of llamaTensorShapes(config)) {
    if (!name.startsWith("blk.") || ![...wanted].some((w) => name.endsWith(w))) continue;
    const [nIn, nOut] = shape as [number, number]; // GGUF ne order: [in, out]
    const bound = 1 / Math.sqrt(nIn);
    const a = new Float32Array(o.rank * nIn).map(() => (rng.next() * 2 - 1) * bound);
    out.push({
      base: name,
      out: nOut,
      in: nIn,
      a: { shape: [o.rank, nIn], data: a, grad: new Float32Array(a.length) },
      b: { shape: [nOut, o.rank], data: new Float32Array(nOut * o.rank), grad: new Float32Array(nOut * o.rank) },
    });
  }
  return out;
}

/** The adapters as the trainer's parameters (what AdamW steps and checkpoints hold): `<base>.lora_a|b`. */
export function loraParams(adapters: readonly LoraAdapter[]): Map<string, Param> {
  const m = new Map<string, Param>();
  for (const ad of adapters) {
    m.set(`${ad.base}.lora_a`, ad.a);
    m.set(`${ad.base}.lora_b`, ad.b);
  }
  return m;
}

/** W = W₀ + scale · B·A for every adapter, into the model's weights (W₀ kept aside, never changed). */
export function mergeLora(
  model: Pick<LlamaModel, "params">,
  base: ReadonlyMap<string, Float32Array>,
  adapters: readonly LoraAdapter[],
  scale: number,
): void {
  const k = kernels();
  for (const ad of adapters) {
    const w = weightOf(model, ad.base);
    w.data.set(base.get(ad.base) as Float32Array);
    const r = ad.a.shape[0] as number;
    k.gemm(false, false, ad.out, ad.in, r, scale, ad.b.data, r, ad.a.data, ad.in, 1, w.data, ad.in);
  }
}

/**
 * The adapters' gradients from the merged weight's, exact because W is linear in B·A:
 * dL/dB = scale · dL/dW · Aᵀ and dL/dA = scale · Bᵀ · dL/dW (added, as every backward adds).
 */
export function backpropLora(model: Pick<LlamaModel, "params">, adapters: readonly LoraAdapter[], scale: number): void {
  const k = kernels();
  for (const ad of adapters) {
    const dW = weightOf(model, ad.base).grad;
    const r = ad.a.shape[0] as number;
    k.gemm(false, true, ad.out, r, ad.in, scale, dW, ad.in, ad.a.data, ad.in, 1, ad.b.grad, r);
    k.gemm(true, false, r, ad.in, ad.out, scale, ad.b.data, r, dW, ad.in, 1, ad.a.grad, ad.in);
  }
}

function weightOf(model: Pick<LlamaModel, "params">, name: string): Param {
  const p = model.params.get(name);
  if (!p) throw new Error(`LoRA target ${name} is not a weight of the model`);
  return p;
}
