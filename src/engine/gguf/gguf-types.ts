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

/** A tensor's place in a file; `offset` is relative to the data section (`dataOffset`). */
export type GgufTensorInfo = { name: string; type: GgufTensorType; shape: number[]; offset: number; nbytes: number };

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

/** ggml_type codes and block layout: `blockSize` elements take `blockBytes` bytes. */
export const TENSOR_TYPE_INFO: Record<GgufTensorType, { code: number; blockSize: number; blockBytes: number }> = {
  F32: { code: 0, blockSize: 1, blockBytes: 4 },
  F16: { code: 1, blockSize: 1, blockBytes: 2 },
  Q8_0: { code: 8, blockSize: 32, blockBytes: 34 },
};
export const TENSOR_TYPE_BY_CODE = new Map<number, GgufTensorType>(
  Object.entries(TENSOR_TYPE_INFO).map(([k, v]) => [v.code, k as GgufTensorType]),
);

export const tensorElementCount = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

/** Bytes a tensor of this type and shape takes; undefined when the row length does not fit the block size. */
export function tensorByteSize(type: GgufTensorType, shape: readonly number[]): number | undefined {
  const { blockSize, blockBytes } = TENSOR_TYPE_INFO[type];
  if (shape.length > 0 && shape[0] % blockSize !== 0) return undefined;
  return (tensorElementCount(shape) / blockSize) * blockBytes;
}

export const alignUp = (n: number, alignment: number): number => Math.ceil(n / alignment) * alignment;
