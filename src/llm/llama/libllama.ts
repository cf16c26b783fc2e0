/**
 * Typed FFI bindings (koffi) to the libllama that node-llama-cpp has already loaded, for what its
 * public API does not give: raw logits, control vectors, live LoRA, the eval callback.
 *
 * Struct layouts live in llama-structs.ts. Pointers are koffi 3 BigInts; the branded types below
 * keep a context from being passed where a model goes.
 */
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import koffi, { type LibraryHandle, type TypeObject } from "koffi";
import {
  defineLlamaStructs,
  type LlamaBatch,
  type LlamaContextParams,
  type LlamaModelParams,
  type LlamaStructs,
} from "./llama-structs.js";

type KoffiFunction = ReturnType<LibraryHandle["func"]>;

declare const brand: unique symbol;
type Ptr<B extends string> = bigint & { readonly [brand]: B };
export type ModelPtr = Ptr<"llama_model">;
export type ContextPtr = Ptr<"llama_context">;
export type VocabPtr = Ptr<"llama_vocab">;
export type MemoryPtr = Ptr<"llama_memory">;
export type SamplerPtr = Ptr<"llama_sampler">;
export type LoraPtr = Ptr<"llama_adapter_lora">;
export type TensorPtr = Ptr<"ggml_tensor">;
export type CallbackPtr = Ptr<"callback">;

/** The slice of llama.h (and two ggml calls) ideasteer uses, typed. */
export type Libllama = {
  readonly path: string;
  readonly structs: LlamaStructs;
  modelDefaultParams(): LlamaModelParams;
  contextDefaultParams(): LlamaContextParams;
  modelLoadFromFile(path: string, params: LlamaModelParams): ModelPtr | null;
  modelFree(model: ModelPtr): void;
  initFromModel(model: ModelPtr, params: LlamaContextParams): ContextPtr | null;
  free(ctx: ContextPtr): void;
  modelGetVocab(model: ModelPtr): VocabPtr;
  modelNEmbd(model: ModelPtr): number;
  modelNLayer(model: ModelPtr): number;
  modelNCtxTrain(model: ModelPtr): number;
  vocabNTokens(vocab: VocabPtr): number;
  vocabBos(vocab: VocabPtr): number;
  vocabEos(vocab: VocabPtr): number;
  vocabIsEog(vocab: VocabPtr, token: number): boolean;
  vocabGetAddBos(vocab: VocabPtr): boolean;
  tokenize(
    vocab: VocabPtr,
    text: Buffer,
    textLen: number,
    out: Int32Array,
    max: number,
    addSpecial: boolean,
    parseSpecial: boolean,
  ): number;
  tokenToPiece(vocab: VocabPtr, token: number, buf: Buffer, len: number, lstrip: number, special: boolean): number;
  nCtx(ctx: ContextPtr): number;
  getMemory(ctx: ContextPtr): MemoryPtr;
  memoryClear(mem: MemoryPtr, data: boolean): void;
  memorySeqRm(mem: MemoryPtr, seq: number, p0: number, p1: number): boolean;
  memorySeqPosMax(mem: MemoryPtr, seq: number): number;
  /** positions [p0, p1) of sequence src become also sequence dst's (a unified cache shares the cells) */
  memorySeqCp(mem: MemoryPtr, src: number, dst: number, p0: number, p1: number): void;
  batchInit(nTokens: number, embd: number, nSeqMax: number): LlamaBatch;
  batchFree(batch: LlamaBatch): void;
  decode(ctx: ContextPtr, batch: LlamaBatch): number;
  /** llama_decode on koffi's worker thread, so the event loop keeps running during long prompts */
  decodeAsync(ctx: ContextPtr, batch: LlamaBatch): Promise<number>;
  getLogitsIth(ctx: ContextPtr, i: number): bigint | null;
  setNThreads(ctx: ContextPtr, nThreads: number, nThreadsBatch: number): void;
  setAdapterCvec(
    ctx: ContextPtr,
    data: Float32Array | null,
    len: number,
    nEmbd: number,
    ilStart: number,
    ilEnd: number,
  ): number;
  adapterLoraInit(model: ModelPtr, path: string): LoraPtr | null;
  adapterLoraFree(lora: LoraPtr): void;
  setAdaptersLora(ctx: ContextPtr, adapters: LoraPtr[], n: number, scales: Float32Array): number;
  samplerChainInit(noPerf: boolean): SamplerPtr;
  samplerChainAdd(chain: SamplerPtr, s: SamplerPtr): void;
  samplerInitGreedy(): SamplerPtr;
  samplerInitDist(seed: number): SamplerPtr;
  samplerInitTemp(t: number): SamplerPtr;
  samplerInitTopK(k: number): SamplerPtr;
  samplerInitTopP(p: number, minKeep: number): SamplerPtr;
  samplerInitGrammar(vocab: VocabPtr, grammar: string, root: string): SamplerPtr | null;
  samplerSample(s: SamplerPtr, ctx: ContextPtr, idx: number): number;
  /** llama_sampler_apply on a llama_token_data_array at `array` (native memory) */
  samplerApply(s: SamplerPtr, array: bigint): void;
  samplerAccept(s: SamplerPtr, token: number): void;
  samplerChainGet(chain: SamplerPtr, i: number): SamplerPtr;
  samplerFree(s: SamplerPtr): void;
  /** registers a JS eval callback (ggml_backend_sched_eval_callback); unregister with unregisterCallback */
  registerEvalCallback(fn: (t: TensorPtr, ask: boolean, userData: bigint | null) => boolean): CallbackPtr;
  unregisterCallback(cb: CallbackPtr): void;
  tensorName(t: TensorPtr): string;
  tensorNElements(t: TensorPtr): number;
  tensorNBytes(t: TensorPtr): number;
  tensorGet(t: TensorPtr, out: Float32Array, offset: number, size: number): void;
};

/**
 * Finds the libllama shared object this process has loaded (node-llama-cpp loads it in getLlama),
 * so the FFI layer and node-llama-cpp share one llama.cpp and its already-registered backends.
 * Linux reads /proc/self/maps; elsewhere pass the path explicitly.
 */
export function findLoadedLibllama(): string | null {
  let maps: string;
  try {
    maps = readFileSync("/proc/self/maps", "utf8");
  } catch {
    return null;
  }
  for (const line of maps.split("\n")) {
    const path = line.slice(line.indexOf("/"));
    if (line.includes("/") && /\/libllama(\.v[\d.]+)?\.(so|dylib)$/.test(path)) return path;
  }
  return null;
}

/** Binds libllama at `path` (the file node-llama-cpp loaded) plus libggml-base beside it. */
export function loadLibllama(path: string): Libllama {
  const lib: LibraryHandle = koffi.load(path);
  const ggml: LibraryHandle = koffi.load(join(dirname(path), ggmlBaseName(path)));
  const structs = defineLlamaStructs();
  const { modelParams: MP, contextParams: CP, batch: B } = structs;
  const f = (name: string, ret: string | TypeObject, args: (string | TypeObject)[]): KoffiFunction =>
    lib.func(name, ret, args);
  const evalProto = koffi.proto("bool", ["void *", "bool", "void *"]);

  const modelDefault = f("llama_model_default_params", MP, []);
  const contextDefault = f("llama_context_default_params", CP, []);
  const modelLoad = f("llama_model_load_from_file", "void *", ["str", MP]);
  const modelFree = f("llama_model_free", "void", ["void *"]);
  const initFromModel = f("llama_init_from_model", "void *", ["void *", CP]);
  const free = f("llama_free", "void", ["void *"]);
  const modelGetVocab = f("llama_model_get_vocab", "void *", ["void *"]);
  const modelNEmbd = f("llama_model_n_embd", "int32_t", ["void *"]);
  const modelNLayer = f("llama_model_n_layer", "int32_t", ["void *"]);
  const modelNCtxTrain = f("llama_model_n_ctx_train", "int32_t", ["void *"]);
  const vocabNTokens = f("llama_vocab_n_tokens", "int32_t", ["void *"]);
  const vocabBos = f("llama_vocab_bos", "int32_t", ["void *"]);
  const vocabEos = f("llama_vocab_eos", "int32_t", ["void *"]);
  const vocabIsEog = f("llama_vocab_is_eog", "bool", ["void *", "int32_t"]);
  const vocabGetAddBos = f("llama_vocab_get_add_bos", "bool", ["void *"]);
  const tokenize = f("llama_tokenize", "int32_t", ["void *", "void *", "int32_t", "void *", "int32_t", "bool", "bool"]);
  const tokenToPiece = f("llama_token_to_piece", "int32_t", [
    "void *",
    "int32_t",
    "void *",
    "int32_t",
    "int32_t",
    "bool",
  ]);
  const nCtx = f("llama_n_ctx", "uint32_t", ["void *"]);
  const getMemory = f("llama_get_memory", "void *", ["void *"]);
  const memoryClear = f("llama_memory_clear", "void", ["void *", "bool"]);
  const memorySeqRm = f("llama_memory_seq_rm", "bool", ["void *", "int32_t", "int32_t", "int32_t"]);
  const memorySeqPosMax = f("llama_memory_seq_pos_max", "int32_t", ["void *", "int32_t"]);
  const memorySeqCp = f("llama_memory_seq_cp", "void", ["void *", "int32_t", "int32_t", "int32_t", "int32_t"]);
  const batchInit = f("llama_batch_init", B, ["int32_t", "int32_t", "int32_t"]);
  const batchFree = f("llama_batch_free", "void", [B]);
  const decode = f("llama_decode", "int32_t", ["void *", B]);
  const getLogitsIth = f("llama_get_logits_ith", "void *", ["void *", "int32_t"]);
  const setNThreads = f("llama_set_n_threads", "void", ["void *", "int32_t", "int32_t"]);
  const setAdapterCvec = f("llama_set_adapter_cvec", "int32_t", [
    "void *",
    "void *",
    "size_t",
    "int32_t",
    "int32_t",
    "int32_t",
  ]);
  const adapterLoraInit = f("llama_adapter_lora_init", "void *", ["void *", "str"]);
  const adapterLoraFree = f("llama_adapter_lora_free", "void", ["void *"]);
  const setAdaptersLora = f("llama_set_adapters_lora", "int32_t", ["void *", "void **", "size_t", "void *"]);
  const samplerChainInit = f("llama_sampler_chain_init", "void *", [koffi.struct({ no_perf: "bool" })]);
  const samplerChainAdd = f("llama_sampler_chain_add", "void", ["void *", "void *"]);
  const samplerInitGreedy = f("llama_sampler_init_greedy", "void *", []);
  const samplerInitDist = f("llama_sampler_init_dist", "void *", ["uint32_t"]);
  const samplerInitTemp = f("llama_sampler_init_temp", "void *", ["float"]);
  const samplerInitTopK = f("llama_sampler_init_top_k", "void *", ["int32_t"]);
  const samplerInitTopP = f("llama_sampler_init_top_p", "void *", ["float", "size_t"]);
  const samplerInitGrammar = f("llama_sampler_init_grammar", "void *", ["void *", "str", "str"]);
  const samplerSample = f("llama_sampler_sample", "int32_t", ["void *", "void *", "int32_t"]);
  const samplerFree = f("llama_sampler_free", "void", ["void *"]);
  const samplerApply = f("llama_sampler_apply", "void", ["void *", "void *"]);
  const samplerAccept = f("llama_sampler_accept", "void", ["void *", "int32_t"]);
  const samplerChainGet = f("llama_sampler_chain_get", "void *", ["void *", "int32_t"]);
  const ggmlGetName = ggml.func("ggml_get_name", "str", ["void *"]);
  const ggmlNElements = ggml.func("ggml_nelements", "int64_t", ["void *"]);
  const ggmlNBytes = ggml.func("ggml_nbytes", "size_t", ["void *"]);
  const tensorGet = ggml.func("ggml_backend_tensor_get", "void", ["void *", "void *", "size_t", "size_t"]);

  // koffi returns null or a BigInt for pointers; the casts below attach our brands to them.
  const ptr = <P>(v: unknown): P | null => (v === null || v === 0n ? null : (v as P));
  const must = <P>(v: unknown, what: string): P => {
    const p = ptr<P>(v);
    if (p === null) throw new Error(`${what} returned NULL`);
    return p;
  };
  return {
    path,
    structs,
    modelDefaultParams: () => modelDefault() as LlamaModelParams,
    contextDefaultParams: () => contextDefault() as LlamaContextParams,
    modelLoadFromFile: (p, params) => ptr<ModelPtr>(modelLoad(p, params)),
    modelFree: (m) => modelFree(m),
    initFromModel: (m, params) => ptr<ContextPtr>(initFromModel(m, params)),
    free: (c) => free(c),
    modelGetVocab: (m) => must<VocabPtr>(modelGetVocab(m), "llama_model_get_vocab"),
    modelNEmbd: (m) => modelNEmbd(m) as number,
    modelNLayer: (m) => modelNLayer(m) as number,
    modelNCtxTrain: (m) => modelNCtxTrain(m) as number,
    vocabNTokens: (v) => vocabNTokens(v) as number,
    vocabBos: (v) => vocabBos(v) as number,
    vocabEos: (v) => vocabEos(v) as number,
    vocabIsEog: (v, t) => vocabIsEog(v, t) as boolean,
    vocabGetAddBos: (v) => vocabGetAddBos(v) as boolean,
    tokenize: (v, text, len, out, max, addSpecial, parseSpecial) =>
      tokenize(v, text, len, out, max, addSpecial, parseSpecial) as number,
    tokenToPiece: (v, t, buf, len, lstrip, special) => tokenToPiece(v, t, buf, len, lstrip, special) as number,
    nCtx: (c) => nCtx(c) as number,
    getMemory: (c) => must<MemoryPtr>(getMemory(c), "llama_get_memory"),
    memoryClear: (m, data) => memoryClear(m, data),
    memorySeqRm: (m, seq, p0, p1) => memorySeqRm(m, seq, p0, p1) as boolean,
    memorySeqPosMax: (m, seq) => memorySeqPosMax(m, seq) as number,
    memorySeqCp: (m, src, dst, p0, p1) => memorySeqCp(m, src, dst, p0, p1),
    batchInit: (n, embd, nSeq) => batchInit(n, embd, nSeq) as LlamaBatch,
    batchFree: (b) => batchFree(b),
    decode: (c, b) => decode(c, b) as number,
    decodeAsync: (c, b) =>
      new Promise((resolve, reject) => {
        decode.async(c, b, (err: unknown, rc: number) => (err ? reject(err) : resolve(rc)));
      }),
    getLogitsIth: (c, i) => ptr<bigint>(getLogitsIth(c, i)),
    setNThreads: (c, n, nb) => setNThreads(c, n, nb),
    setAdapterCvec: (c, data, len, nEmbd, s, e) => setAdapterCvec(c, data, len, nEmbd, s, e) as number,
    adapterLoraInit: (m, p) => ptr<LoraPtr>(adapterLoraInit(m, p)),
    adapterLoraFree: (l) => adapterLoraFree(l),
    setAdaptersLora: (c, adapters, n, scales) => setAdaptersLora(c, adapters, n, scales) as number,
    samplerChainInit: (noPerf) => must<SamplerPtr>(samplerChainInit({ no_perf: noPerf }), "llama_sampler_chain_init"),
    samplerChainAdd: (chain, s) => samplerChainAdd(chain, s),
    samplerInitGreedy: () => must<SamplerPtr>(samplerInitGreedy(), "llama_sampler_init_greedy"),
    samplerInitDist: (seed) => must<SamplerPtr>(samplerInitDist(seed), "llama_sampler_init_dist"),
    samplerInitTemp: (t) => must<SamplerPtr>(samplerInitTemp(t), "llama_sampler_init_temp"),
    samplerInitTopK: (k) => must<SamplerPtr>(samplerInitTopK(k), "llama_sampler_init_top_k"),
    samplerInitTopP: (p, minKeep) => must<SamplerPtr>(samplerInitTopP(p, minKeep), "llama_sampler_init_top_p"),
    samplerInitGrammar: (v, g, root) => ptr<SamplerPtr>(samplerInitGrammar(v, g, root)),
    samplerSample: (s, c, idx) => samplerSample(s, c, idx) as number,
    samplerFree: (s) => samplerFree(s),
    samplerApply: (s, array) => samplerApply(s, array),
    samplerAccept: (s, token) => samplerAccept(s, token),
    samplerChainGet: (chain, i) => must<SamplerPtr>(samplerChainGet(chain, i), "llama_sampler_chain_get"),
    registerEvalCallback: (fn) => koffi.register(fn, koffi.pointer(evalProto)) as CallbackPtr,
    unregisterCallback: (cb) => koffi.unregister(cb),
    tensorName: (t) => ggmlGetName(t) as string,
    tensorNElements: (t) => Number(ggmlNElements(t)),
    tensorNBytes: (t) => Number(ggmlNBytes(t)),
    tensorGet: (t, out, offset, size) => tensorGet(t, out, offset, size),
  };
}

function ggmlBaseName(libllamaPath: string): string {
  return libllamaPath.endsWith(".dylib") ? "libggml-base.dylib" : "libggml-base.so";
}
