/**
 * GGUF's value and tensor types (ggml docs/gguf.md, version 3). Scalar type names are ours;
 * the numeric codes are the on-disk `gguf_type` and `ggml_type` values.
 */
export const GGUF_SCALAR_TYPES = [
  "u8",
  "i8",
  "u16",
  "i16",
  "u32",
  "i32",
  "u64",
  "i64",
  "f32",
  "f64",
  "bool",
  "string",
] as const;
export type GgufScalarType = (typeof GGUF_SCALAR_TYPES)[number];
export type GgufScalar = number | bigint | boolean | string;

export type GgufValue =
  | { type: GgufScalarType; value: GgufScalar }
  | { type: "array"; itemType: GgufScalarType; value: GgufScalar[] };

export const GGUF_TENSOR_TYPES = ["F32", "F16", "Q8_0"] as const;
export type GgufTensorType = (typeof GGUF_TENSOR_TYPES)[number];

/** A tensor to write: `shape` in ggml's ne order (fastest-varying first, e.g. [in, out] for a matrix). */
export type GgufTensorIn = { name: string; type: GgufTensorType; shape: number[]; data: Float32Array };

/** A tensor's place in a file; `offset` is relative to the data section (`dataOffset`). Its type may
 * be any ggml type (a user's Q4_K model reads fine); readGgufTensor decodes F32, F16 and Q8_0. */
export type GgufTensorInfo = { name: string; type: GgmlType; shape: number[]; offset: number; nbytes: number };

export const GGUF_MAGIC = 0x46554747; // "GGUF" read as little-endian u32
export const GGUF_VERSION = 3;
export const GGUF_DEFAULT_ALIGNMENT = 32;
export const ARRAY_CODE = 9;

/** gguf_type codes; ARRAY (9) is handled apart. */
export const SCALAR_CODE: Record<GgufScalarType, number> = {
  u8: 0,
  i8: 1,
  u16: 2,
  i16: 3,
  u32: 4,
  i32: 5,
  f32: 6,
  bool: 7,
  string: 8,
  u64: 10,
  i64: 11,
  f64: 12,
};
export const SCALAR_BY_CODE = new Map<number, GgufScalarType>(
  Object.entries(SCALAR_CODE).map(([k, v]) => [v, k as GgufScalarType]),
);

/** Bytes of a fixed-size scalar; strings are variable (u64 length + bytes). */
export const SCALAR_SIZE: Record<Exclude<GgufScalarType, "string">, number> = {
  u8: 1,
  i8: 1,
  u16: 2,
  i16: 2,
  u32: 4,
  i32: 4,
  f32: 4,
  bool: 1,
  u64: 8,
  i64: 8,
  f64: 8,
};

/** Every ggml_type: code and block layout (`blockSize` elements take `blockBytes` bytes), as in
 * gguf-py's GGML_QUANT_SIZES at the pinned llama.cpp. */
export const GGML_TYPES = {
  F32: { code: 0, blockSize: 1, blockBytes: 4 },
  F16: { code: 1, blockSize: 1, blockBytes: 2 },
  Q4_0: { code: 2, blockSize: 32, blockBytes: 18 },
  Q4_1: { code: 3, blockSize: 32, blockBytes: 20 },
  Q5_0: { code: 6, blockSize: 32, blockBytes: 22 },
  Q5_1: { code: 7, blockSize: 32, blockBytes: 24 },
  Q8_0: { code: 8, blockSize: 32, blockBytes: 34 },
  Q8_1: { code: 9, blockSize: 32, blockBytes: 40 },
  Q2_K: { code: 10, blockSize: 256, blockBytes: 84 },
  Q3_K: { code: 11, blockSize: 256, blockBytes: 110 },
  Q4_K: { code: 12, blockSize: 256, blockBytes: 144 },
  Q5_K: { code: 13, blockSize: 256, blockBytes: 176 },
  Q6_K: { code: 14, blockSize: 256, blockBytes: 210 },
  Q8_K: { code: 15, blockSize: 256, blockBytes: 292 },
  IQ2_XXS: { code: 16, blockSize: 256, blockBytes: 66 },
  IQ2_XS: { code: 17, blockSize: 256, blockBytes: 74 },
  IQ3_XXS: { code: 18, blockSize: 256, blockBytes: 98 },
  IQ1_S: { code: 19, blockSize: 256, blockBytes: 50 },
  IQ4_NL: { code: 20, blockSize: 32, blockBytes: 18 },
  IQ3_S: { code: 21, blockSize: 256, blockBytes: 110 },
  IQ2_S: { code: 22, blockSize: 256, blockBytes: 82 },
  IQ4_XS: { code: 23, blockSize: 256, blockBytes: 136 },
  I8: { code: 24, blockSize: 1, blockBytes: 1 },
  I16: { code: 25, blockSize: 1, blockBytes: 2 },
  I32: { code: 26, blockSize: 1, blockBytes: 4 },
  I64: { code: 27, blockSize: 1, blockBytes: 8 },
  F64: { code: 28, blockSize: 1, blockBytes: 8 },
  IQ1_M: { code: 29, blockSize: 256, blockBytes: 56 },
  BF16: { code: 30, blockSize: 1, blockBytes: 2 },
  TQ1_0: { code: 34, blockSize: 256, blockBytes: 54 },
  TQ2_0: { code: 35, blockSize: 256, blockBytes: 66 },
  MXFP4: { code: 39, blockSize: 32, blockBytes: 17 },
  NVFP4: { code: 40, blockSize: 64, blockBytes: 36 },
  Q1_0: { code: 41, blockSize: 128, blockBytes: 18 },
  Q2_0: { code: 42, blockSize: 64, blockBytes: 18 },
} as const;
export type GgmlType = keyof typeof GGML_TYPES;

export const TENSOR_TYPE_INFO: Record<GgufTensorType, { code: number; blockSize: number; blockBytes: number }> =
  GGML_TYPES;
export const GGML_TYPE_BY_CODE = new Map<number, GgmlType>(
  Object.entries(GGML_TYPES).map(([k, v]) => [v.code, k as GgmlType]),
);
export const isGgufTensorType = (t: GgmlType): t is GgufTensorType =>
  (GGUF_TENSOR_TYPES as readonly string[]).includes(t);

export const tensorElementCount = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

/** Bytes a tensor of this type and shape takes; undefined when the row length does not fit the block size. */
export function tensorByteSize(type: GgmlType, shape: readonly number[]): number | undefined {
  const { blockSize, blockBytes } = GGML_TYPES[type];
  if (shape.length > 0 && shape[0] % blockSize !== 0) return undefined;
  return (tensorElementCount(shape) / blockSize) * blockBytes;
}

export const alignUp = (n: number, alignment: number): number => Math.ceil(n / alignment) * alignment;
