/**
 * The structs ideasteer passes to libllama by value, laid out as include/llama.h of the pinned
 * llama.cpp (node-llama-cpp 3.21.1, tag v0.4.0) declares them; libllama.test.ts checks every size
 * and field offset against that header. Also the enum values we set.
 */
import koffi, { type TypeObject } from "koffi";

/** ggml_type values we set (ggml.h). */
export const GGML_TYPE = { F32: 0, F16: 1 } as const;
/** enum llama_flash_attn_type */
export const FLASH_ATTN = { auto: -1, disabled: 0, enabled: 1 } as const;
/** enum llama_load_mode */
export const LOAD_MODE = { auto: -1, none: 0, mmap: 1 } as const;

/** struct llama_model_params, field for field. */
export type LlamaModelParams = {
  devices: bigint | null;
  tensor_buft_overrides: bigint | null;
  n_gpu_layers: number;
  split_mode: number;
  load_mode: number;
  lazy_mode: number;
  main_gpu: number;
  tensor_split: bigint | null;
  progress_callback: bigint | null;
  progress_callback_user_data: bigint | null;
  kv_overrides: bigint | null;
  vocab_only: boolean;
  check_tensors: boolean;
  use_extra_bufts: boolean;
  no_host: boolean;
  no_alloc: boolean;
  load_mtp: boolean;
};

/** struct llama_context_params, field for field. */
export type LlamaContextParams = {
  n_ctx: number;
  n_batch: number;
  n_ubatch: number;
  n_seq_max: number;
  n_rs_seq: number;
  n_outputs_max: number;
  n_outputs_max_per_seq: number;
  n_threads: number;
  n_threads_batch: number;
  ctx_type: number;
  rope_scaling_type: number;
  pooling_type: number;
  attention_type: number;
  flash_attn_type: number;
  rope_freq_base: number;
  rope_freq_scale: number;
  yarn_ext_factor: number;
  yarn_attn_factor: number;
  yarn_beta_fast: number;
  yarn_beta_slow: number;
  yarn_orig_ctx: number;
  defrag_thold: number;
  cb_eval: bigint | null;
  cb_eval_user_data: bigint | null;
  type_k: number;
  type_v: number;
  abort_callback: bigint | null;
  abort_callback_data: bigint | null;
  embeddings: boolean;
  offload_kqv: boolean;
  no_perf: boolean;
  op_offload: boolean;
  swa_full: boolean;
  kv_unified: boolean;
  samplers: bigint | null;
  n_samplers: number;
  ctx_other: bigint | null;
};

/** struct llama_batch: arrays of n_tokens entries allocated by llama_batch_init. */
export type LlamaBatch = {
  n_tokens: number;
  token: bigint | null;
  embd: bigint | null;
  pos: bigint | null;
  n_seq_id: bigint | null;
  seq_id: bigint | null;
  logits: bigint | null;
};

/** The koffi type objects of the structs we pass (anonymous: koffi's name registry is process-wide). */
export type LlamaStructs = {
  modelParams: TypeObject;
  contextParams: TypeObject;
  batch: TypeObject;
  tokenData: TypeObject;
  tokenDataArray: TypeObject;
};

export function defineLlamaStructs(): LlamaStructs {
  const modelParams = koffi.struct({
    devices: "void *",
    tensor_buft_overrides: "void *",
    n_gpu_layers: "int32_t",
    split_mode: "int32_t", // enum llama_split_mode
    load_mode: "int32_t", // enum llama_load_mode
    lazy_mode: "int32_t", // enum llama_lazy_mode
    main_gpu: "int32_t",
    tensor_split: "void *",
    progress_callback: "void *",
    progress_callback_user_data: "void *",
    kv_overrides: "void *",
    vocab_only: "bool",
    check_tensors: "bool",
    use_extra_bufts: "bool",
    no_host: "bool",
    no_alloc: "bool",
    load_mtp: "bool",
  });
  const contextParams = koffi.struct({
    n_ctx: "uint32_t",
    n_batch: "uint32_t",
    n_ubatch: "uint32_t",
    n_seq_max: "uint32_t",
    n_rs_seq: "uint32_t",
    n_outputs_max: "uint32_t",
    n_outputs_max_per_seq: "uint32_t",
    n_threads: "int32_t",
    n_threads_batch: "int32_t",
    ctx_type: "int32_t",
    rope_scaling_type: "int32_t",
    pooling_type: "int32_t",
    attention_type: "int32_t",
    flash_attn_type: "int32_t",
    rope_freq_base: "float",
    rope_freq_scale: "float",
    yarn_ext_factor: "float",
    yarn_attn_factor: "float",
    yarn_beta_fast: "float",
    yarn_beta_slow: "float",
    yarn_orig_ctx: "uint32_t",
    defrag_thold: "float",
    cb_eval: "void *",
    cb_eval_user_data: "void *",
    type_k: "int32_t", // enum ggml_type
    type_v: "int32_t",
    abort_callback: "void *",
    abort_callback_data: "void *",
    embeddings: "bool",
    offload_kqv: "bool",
    no_perf: "bool",
    op_offload: "bool",
    swa_full: "bool",
    kv_unified: "bool",
    samplers: "void *",
    n_samplers: "size_t",
    ctx_other: "void *",
  });
  const batch = koffi.struct({
    n_tokens: "int32_t",
    token: "void *",
    embd: "void *",
    pos: "void *",
    n_seq_id: "void *",
    seq_id: "void *",
    logits: "void *",
  });
  const tokenData = koffi.struct({ id: "int32_t", logit: "float", p: "float" });
  const tokenDataArray = koffi.struct({ data: "void *", size: "size_t", selected: "int64_t", sorted: "bool" });
  return { modelParams, contextParams, batch, tokenData, tokenDataArray };
}
