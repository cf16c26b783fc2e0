import { checkLlamaConfig, type LlamaConfig } from "../llama-config.js";
import type { GgufTensorIn } from "./gguf-types.js";
import { llamaTensorShapes } from "./llama-tensor-shapes.js";
import { writeGguf } from "./write-gguf.js";

/**
 * One LoRA pair for a base matrix W (row-major [out][in]): ΔW = (alpha / rank) · B·A with
 * `a` row-major [rank][in] and `b` row-major [out][rank] (PEFT's lora_A / lora_B layout).
 */
export type LoraAdapterWeights = { a: Float32Array; b: Float32Array; rank: number };

export type LoraGgufIn = { baseConfig: LlamaConfig; alpha: number; adapters: Map<string, LoraAdapterWeights> };

/**
 * Write a LoRA adapter as llama.cpp's llama_adapter_lora_init reads it: general.type "adapter",
 * adapter.type "lora", adapter.lora.alpha, tensors "<base>.lora_a" (ne [in, rank]) and
 * "<base>.lora_b" (ne [rank, out]), F32.
 */
export function writeLoraGguf(path: string, l: LoraGgufIn): void {
  const shapes = llamaTensorShapes(checkLlamaConfig(l.baseConfig));
  const tensors: GgufTensorIn[] = [];
  for (const [base, { a, b, rank }] of l.adapters) {
    const shape = shapes.get(base);
    if (shape === undefined || shape.length !== 2)
      throw new Error(`LoRA target ${base} is not a matrix of the base model`);
    if (base === "token_embd.weight") {
      throw new Error("LoRA on token_embd.weight is not supported (llama.cpp stores it flipped)");
    }
    const [nIn, nOut] = shape;
    if (!Number.isInteger(rank) || rank <= 0) throw new RangeError(`LoRA ${base}: rank must be a positive integer`);
    if (a.length !== rank * nIn)
      throw new RangeError(`LoRA ${base}: a has ${a.length} values, [${rank}][${nIn}] needs ${rank * nIn}`);
    if (b.length !== nOut * rank)
      throw new RangeError(`LoRA ${base}: b has ${b.length} values, [${nOut}][${rank}] needs ${nOut * rank}`);
    tensors.push({ name: `${base}.lora_a`, type: "F32", shape: [nIn, rank], data: a });
    tensors.push({ name: `${base}.lora_b`, type: "F32", shape: [rank, nOut], data: b });
  }
  writeGguf(path, {
    metadata: {
      "general.architecture": { type: "string", value: "llama" },
      "general.type": { type: "string", value: "adapter" },
      "adapter.type": { type: "string", value: "lora" },
      "adapter.lora.alpha": { type: "f32", value: l.alpha },
    },
    tensors,
  });
}
