import { headDim, type LlamaConfig } from "../llama-config.js";

/**
 * Every tensor of a llama-architecture model by its GGUF name, with its shape in ggml's ne order
 * ([in, out] for a matrix stored row-major [out][in]). Order: as llama.cpp's converter writes them.
 */
export function llamaTensorShapes(c: LlamaConfig): Map<string, number[]> {
  const dKv = headDim(c) * c.nKvHeads;
  const shapes = new Map<string, number[]>([["token_embd.weight", [c.dModel, c.vocabSize]]]);
  for (let i = 0; i < c.nLayers; i++) {
    const b = `blk.${i}`;
    shapes.set(`${b}.attn_norm.weight`, [c.dModel]);
    shapes.set(`${b}.attn_q.weight`, [c.dModel, c.dModel]);
    shapes.set(`${b}.attn_k.weight`, [c.dModel, dKv]);
    shapes.set(`${b}.attn_v.weight`, [c.dModel, dKv]);
    shapes.set(`${b}.attn_output.weight`, [c.dModel, c.dModel]);
    shapes.set(`${b}.ffn_norm.weight`, [c.dModel]);
    shapes.set(`${b}.ffn_gate.weight`, [c.dModel, c.dFf]);
    shapes.set(`${b}.ffn_up.weight`, [c.dModel, c.dFf]);
    shapes.set(`${b}.ffn_down.weight`, [c.dFf, c.dModel]);
  }
  shapes.set("output_norm.weight", [c.dModel]);
  if (!c.tiedEmbeddings) shapes.set("output.weight", [c.dModel, c.vocabSize]);
  return shapes;
}
