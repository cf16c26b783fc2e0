export { f16ToF32, f32ToF16 } from "./f16.js";
export type { GgufTokenizer } from "./gguf-tokenizer.js";
export { tokenizerFromMetadata, tokenizerMetadata } from "./gguf-tokenizer.js";
export type {
  GgmlType,
  GgufScalar,
  GgufScalarType,
  GgufTensorIn,
  GgufTensorInfo,
  GgufTensorType,
  GgufValue,
} from "./gguf-types.js";
export type { LlamaGguf, LlamaGgufIn } from "./llama-gguf.js";
export { llamaMetadata, readLlamaGguf, storedValues, writeLlamaGguf } from "./llama-gguf.js";
export { llamaTensorShapes } from "./llama-tensor-shapes.js";
export type { LoraAdapterWeights, LoraGgufIn } from "./lora-gguf.js";
export { writeLoraGguf } from "./lora-gguf.js";
export { dequantizeQ8_0, quantizeQ8_0 } from "./q8-0.js";
export type { GgufFile } from "./read-gguf.js";
export { readGguf, readGgufTensor } from "./read-gguf.js";
export type { GgufFileIn } from "./write-gguf.js";
export { writeGguf } from "./write-gguf.js";
