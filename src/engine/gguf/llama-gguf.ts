import { CorruptFileError } from "../../core/index.js";
import { checkLlamaConfig, headDim, type LlamaConfig } from "../llama-config.js";
import { f16ToF32, f32ToF16 } from "./f16.js";
import { type GgufTokenizer, tokenizerFromMetadata, tokenizerMetadata } from "./gguf-tokenizer.js";
import type { GgufTensorIn, GgufTensorType, GgufValue } from "./gguf-types.js";
import { tensorByteSize } from "./gguf-types.js";
import { llamaTensorShapes } from "./llama-tensor-shapes.js";
import { dequantizeQ8_0, quantizeQ8_0 } from "./q8-0.js";
import { readGguf, readGgufTensor } from "./read-gguf.js";
import { writeGguf } from "./write-gguf.js";

/** llama_ftype values for general.file_type. */
const FILE_TYPE: Record<GgufTensorType, number> = { F32: 0, F16: 1, Q8_0: 7 };

export type LlamaGgufIn = {
  config: LlamaConfig;
  weights: Map<string, Float32Array>; // GGUF names, row-major [out][in] (see llamaTensorShapes)
  tokenizer: GgufTokenizer;
  fileType: GgufTensorType;
  name?: string;
};

export type LlamaGguf = { config: LlamaConfig; weights: Map<string, Float32Array>; tokenizer: GgufTokenizer };

/** The llama.* and general.* keys llama.cpp's loader reads for LLM_ARCH_LLAMA. */
export function llamaMetadata(c: LlamaConfig, fileType: GgufTensorType, name: string): Record<string, GgufValue> {
  const m: Record<string, GgufValue> = {
    "general.architecture": { type: "string", value: "llama" },
    "general.name": { type: "string", value: name },
    "general.file_type": { type: "u32", value: FILE_TYPE[fileType] },
    "llama.vocab_size": { type: "u32", value: c.vocabSize },
    "llama.context_length": { type: "u32", value: c.contextLength },
    "llama.embedding_length": { type: "u32", value: c.dModel },
    "llama.block_count": { type: "u32", value: c.nLayers },
    "llama.feed_forward_length": { type: "u32", value: c.dFf },
    "llama.attention.head_count": { type: "u32", value: c.nHeads },
    "llama.attention.head_count_kv": { type: "u32", value: c.nKvHeads },
    "llama.rope.freq_base": { type: "f32", value: c.ropeTheta },
    "llama.rope.dimension_count": { type: "u32", value: headDim(c) },
    "llama.attention.layer_norm_rms_epsilon": { type: "f32", value: c.normEps },
  };
  if (fileType === "Q8_0") m["general.quantization_version"] = { type: "u32", value: 2 };
  return m;
}

/**
 * Each tensor's stored type: norms (1-D) stay F32 as llama.cpp's quantiser keeps them; a matrix
 * whose rows do not fill whole Q8_0 blocks falls back to F16.
 */
function storedType(fileType: GgufTensorType, shape: number[]): GgufTensorType {
  if (shape.length === 1) return "F32";
  if (tensorByteSize(fileType, shape) === undefined) return "F16";
  return fileType;
}

/**
 * A tensor's values as the GGUF will hold them once read back (f16- or q8_0-rounded where `storedType` says so), so
 * that what is computed from a model before export (a reward model's percentile map) matches the exported file.
 */
export function storedValues(fileType: GgufTensorType, shape: number[], data: Float32Array): Float32Array {
  const type = storedType(fileType, shape);
  if (type === "F16") return f16ToF32(f32ToF16(data));
  if (type === "Q8_0") return dequantizeQ8_0(quantizeQ8_0(data), data.length);
  return data;
}

/** Export a llama-architecture model (our engine's weights plus tokenizer) as a GGUF llama.cpp loads. */
export function writeLlamaGguf(path: string, m: LlamaGgufIn): void {
  const c = checkLlamaConfig(m.config);
  if (m.tokenizer.tokens.length !== c.vocabSize) {
    throw new RangeError(`tokenizer has ${m.tokenizer.tokens.length} tokens but config.vocabSize is ${c.vocabSize}`);
  }
  const shapes = llamaTensorShapes(c);
  const tensors: GgufTensorIn[] = [];
  for (const [name, shape] of shapes) {
    const data = m.weights.get(name);
    if (data === undefined) throw new Error(`weights lack ${name}`);
    const n = shape.reduce((a, b) => a * b, 1);
    if (data.length !== n)
      throw new RangeError(`weight ${name} has ${data.length} values; shape [${shape}] needs ${n}`);
    tensors.push({ name, type: storedType(m.fileType, shape), shape, data });
  }
  for (const name of m.weights.keys()) {
    if (!shapes.has(name)) throw new Error(`weight ${name} is not a llama tensor for this config`);
  }
  writeGguf(path, {
    metadata: { ...llamaMetadata(c, m.fileType, m.name ?? "ideasteer"), ...tokenizerMetadata(m.tokenizer) },
    tensors,
  });
}

/** The shortest decimal that rounds to the same float32, so that 1e-5 written as f32 reads back as 1e-5. */
function shortestF32(x: number): number {
  for (let p = 1; p <= 9; p++) {
    const y = Number(x.toPrecision(p));
    if (Math.fround(y) === x) return y;
  }
  return x;
}

/** Import a llama-architecture GGUF (F32/F16/Q8_0 tensors) as float32 weights, config and tokenizer. */
export function readLlamaGguf(path: string): LlamaGguf {
  const f = readGguf(path);
  const md = f.metadata;
  const num = (key: string, required = true): number | undefined => {
    const v = md[key];
    if (v === undefined) {
      if (required) throw new CorruptFileError(path, `GGUF key ${key} is missing`);
      return undefined;
    }
    if (v.type === "array" || (typeof v.value !== "number" && typeof v.value !== "bigint")) {
      throw new CorruptFileError(path, `GGUF key ${key} is not a number`);
    }
    return v.type === "f32" ? shortestF32(Number(v.value)) : Number(v.value);
  };
  const arch = md["general.architecture"];
  if (arch?.value !== "llama") {
    throw new CorruptFileError(path, `general.architecture is ${String(arch?.value)}, not llama`, {
      hint: "only llama-architecture models can be imported into the engine",
    });
  }
  const tokenizer = tokenizerFromMetadata(md, path);
  const names = new Set(f.tensors.map((t) => t.name));
  const config: LlamaConfig = {
    vocabSize: num("llama.vocab_size", false) ?? tokenizer.tokens.length,
    dModel: num("llama.embedding_length")!,
    nLayers: num("llama.block_count")!,
    nHeads: num("llama.attention.head_count")!,
    nKvHeads: num("llama.attention.head_count_kv", false) ?? num("llama.attention.head_count")!,
    dFf: num("llama.feed_forward_length")!,
    contextLength: num("llama.context_length")!,
    ropeTheta: num("llama.rope.freq_base", false) ?? 10000,
    normEps: num("llama.attention.layer_norm_rms_epsilon")!,
    tiedEmbeddings: !names.has("output.weight"),
  };
  try {
    checkLlamaConfig(config);
  } catch (e) {
    throw new CorruptFileError(path, (e as Error).message, { cause: e });
  }
  const rot = num("llama.rope.dimension_count", false);
  if (rot !== undefined && rot !== headDim(config)) {
    throw new CorruptFileError(path, `partial RoPE (${rot} of ${headDim(config)} dims) is not supported by the engine`);
  }
  const weights = new Map<string, Float32Array>();
  for (const [name, shape] of llamaTensorShapes(config)) {
    const t = f.tensors.find((x) => x.name === name);
    if (t === undefined) throw new CorruptFileError(path, `GGUF tensor ${name} is missing`);
    if (t.shape.length !== shape.length || t.shape.some((d, i) => d !== shape[i])) {
      throw new CorruptFileError(path, `GGUF tensor ${name} has shape [${t.shape}], expected [${shape}]`);
    }
    weights.set(name, readGgufTensor(f, name));
  }
  return { config, weights, tokenizer };
}
