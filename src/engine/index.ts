// Tensors, autograd and the llama model (H3a).
export { type AdamW, type AdamWOptions, type AdamWState, createAdamW, isDecayed } from "./adamw.js";
export { checkpoint } from "./checkpoint.js";
export { clipGradNorm } from "./clip-grad-norm.js";
export { EngineInputError } from "./engine-input-error.js";
export * from "./gguf/index.js";
export {
  createLlama,
  type ForwardOptions,
  type LlamaModel,
  type LlamaTensors,
  llamaForward,
  llamaFromWeights,
  llamaParamShapes,
  llamaWeights,
  loadLlamaWeights,
  type Param,
  type Steering,
} from "./llama.js";
export { checkLlamaConfig, headDim, type LlamaConfig } from "./llama-config.js";
export { argmax, createDecoder, type Decoder, type GenerateOptions, sampleToken } from "./llama-generate.js";
// kernels(): the raw addon, for benches that time one kernel against another library.
export {
  GEMV_MAX_ROWS,
  getIsa,
  getNumThreads,
  type Isa,
  kernels,
  type NativeKernels,
  setNumThreads,
} from "./native-kernels.js";
export * from "./ops/index.js";
export * from "./safetensors.js";
export { alloc, type DType, empty, type FloatArray, fromOp, parameter, Tensor, tensor, zeros } from "./tensor.js";
export { batchPositions, lossTokens, type TokenBatch } from "./token-batch.js";
export * from "./tokenizer/index.js";
