/**
 * The llama-architecture model's shape: the table of contents of the model, shared by the
 * engine (training), GGUF export/import and the llama.cpp backends.
 * Parameter names follow GGUF (token_embd.weight, blk.{i}.attn_q.weight, ...); every matrix is
 * stored row-major [out][in] (GGUF ne = [in, out]).
 */
export type LlamaConfig = {
  vocabSize: number; // trained BPE plus <|paper|>, <|idea|>, <|end|>
  dModel: number; // embedding width (llama.embedding_length)
  nLayers: number; // decoder blocks (llama.block_count)
  nHeads: number; // query heads
  nKvHeads: number; // fewer than nHeads means grouped-query attention
  dFf: number; // SwiGLU hidden width (llama.feed_forward_length)
  contextLength: number; // longest sequence trained on
  ropeTheta: number; // RoPE base; rotates adjacent pairs (2i, 2i+1), the layout llama.cpp's LLAMA arch reads
  normEps: number; // RMSNorm epsilon (llama.attention.layer_norm_rms_epsilon)
  tiedEmbeddings: boolean; // output head shares token_embd.weight
};

export const headDim = (c: LlamaConfig): number => c.dModel / c.nHeads;

/** Throws with a fix when a config cannot describe a valid model. */
export function checkLlamaConfig(c: LlamaConfig): LlamaConfig {
  const bad = (m: string) => {
    throw new Error(`invalid LlamaConfig: ${m}`);
  };
  for (const k of ["vocabSize", "dModel", "nLayers", "nHeads", "nKvHeads", "dFf", "contextLength"] as const) {
    if (!Number.isInteger(c[k]) || c[k] <= 0) bad(`${k} must be a positive integer, got ${c[k]}`);
  }
  if (c.dModel % c.nHeads !== 0) bad(`dModel (${c.dModel}) must be a multiple of nHeads (${c.nHeads})`);
  if (headDim(c) % 2 !== 0) bad("head dimension must be even for RoPE");
  if (c.nHeads % c.nKvHeads !== 0) bad(`nHeads (${c.nHeads}) must be a multiple of nKvHeads (${c.nKvHeads})`);
  if (!(c.normEps > 0)) bad("normEps must be positive");
  if (!(c.ropeTheta > 0)) bad("ropeTheta must be positive");
  return c;
}
