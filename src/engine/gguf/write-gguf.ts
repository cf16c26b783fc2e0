import { writeFileAtomicStreaming } from "../../core/index.js";
import { f32ToF16 } from "./f16.js";
import {
  ARRAY_CODE,
  alignUp,
  GGUF_DEFAULT_ALIGNMENT,
  GGUF_MAGIC,
  GGUF_VERSION,
  type GgufScalar,
  type GgufScalarType,
  type GgufTensorIn,
  type GgufValue,
  SCALAR_CODE,
  TENSOR_TYPE_INFO,
  tensorByteSize,
  tensorElementCount,
} from "./gguf-types.js";
import { quantizeQ8_0 } from "./q8-0.js";

export type GgufFileIn = { metadata: Record<string, GgufValue>; tensors: GgufTensorIn[]; alignment?: number };

/** A growable little-endian byte buffer for the header. */
class ByteWriter {
  private buf = new Uint8Array(1 << 16);
  private view = new DataView(this.buf.buffer);
  length = 0;
  private reserve(n: number): void {
    if (this.length + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.length + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.length));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }
  u32(v: number): void {
    this.reserve(4);
    this.view.setUint32(this.length, v, true);
    this.length += 4;
  }
  u64(v: number | bigint): void {
    this.reserve(8);
    this.view.setBigUint64(this.length, BigInt(v), true);
    this.length += 8;
  }
  bytes(b: Uint8Array): void {
    this.reserve(b.length);
    this.buf.set(b, this.length);
    this.length += b.length;
  }
  string(s: string): void {
    const b = Buffer.from(s, "utf8");
    this.u64(b.length);
    this.bytes(b);
  }
  scalar(type: GgufScalarType, v: GgufScalar, key: string): void {
    if (type === "string") {
      if (typeof v !== "string") throw new TypeError(`GGUF key ${key}: expected a string, got ${typeof v}`);
      this.string(v);
      return;
    }
    if (type === "bool") {
      if (typeof v !== "boolean") throw new TypeError(`GGUF key ${key}: expected a boolean, got ${typeof v}`);
      this.reserve(1);
      this.view.setUint8(this.length++, v ? 1 : 0);
      return;
    }
    if (typeof v !== "number" && typeof v !== "bigint") {
      throw new TypeError(`GGUF key ${key}: expected a number for ${type}, got ${typeof v}`);
    }
    const n = Number(v);
    const checkInt = (lo: number, hi: number) => {
      if (!Number.isInteger(n) || n < lo || n > hi)
        throw new RangeError(`GGUF key ${key}: ${v} is not a valid ${type}`);
    };
    const o = this.length;
    switch (type) {
      case "u8":
        checkInt(0, 0xff);
        this.reserve(1);
        this.view.setUint8(o, n);
        this.length += 1;
        return;
      case "i8":
        checkInt(-0x80, 0x7f);
        this.reserve(1);
        this.view.setInt8(o, n);
        this.length += 1;
        return;
      case "u16":
        checkInt(0, 0xffff);
        this.reserve(2);
        this.view.setUint16(o, n, true);
        this.length += 2;
        return;
      case "i16":
        checkInt(-0x8000, 0x7fff);
        this.reserve(2);
        this.view.setInt16(o, n, true);
        this.length += 2;
        return;
      case "u32":
        checkInt(0, 0xffffffff);
        this.reserve(4);
        this.view.setUint32(o, n, true);
        this.length += 4;
        return;
      case "i32":
        checkInt(-0x80000000, 0x7fffffff);
        this.reserve(4);
        this.view.setInt32(o, n, true);
        this.length += 4;
        return;
      case "f32":
        this.reserve(4);
        this.view.setFloat32(o, n, true);
        this.length += 4;
        return;
      case "f64":
        this.reserve(8);
        this.view.setFloat64(o, n, true);
        this.length += 8;
        return;
      case "u64":
        this.reserve(8);
        this.view.setBigUint64(o, BigInt(v), true);
        this.length += 8;
        return;
      case "i64":
        this.reserve(8);
        this.view.setBigInt64(o, BigInt(v), true);
        this.length += 8;
        return;
    }
  }
  result(): Uint8Array {
    return this.buf.subarray(0, this.length);
  }
}

/** A tensor's bytes as stored in the file. */
export function encodeTensor(t: GgufTensorIn): Uint8Array {
  const expected = tensorElementCount(t.shape);
  if (t.data.length !== expected) {
    throw new RangeError(`tensor ${t.name}: shape [${t.shape}] needs ${expected} values, got ${t.data.length}`);
  }
  if (tensorByteSize(t.type, t.shape) === undefined) {
    throw new RangeError(
      `tensor ${t.name}: ${t.type} needs ne[0] to be a multiple of ${TENSOR_TYPE_INFO[t.type].blockSize}, got ${t.shape[0]}`,
    );
  }
  switch (t.type) {
    case "F32":
      return new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength);
    case "F16": {
      const h = f32ToF16(t.data);
      return new Uint8Array(h.buffer, h.byteOffset, h.byteLength);
    }
    case "Q8_0":
      return quantizeQ8_0(t.data);
  }
}

/** The header: magic, version, counts, metadata, tensor infos, padded to the alignment. */
function encodeHeader(f: GgufFileIn, alignment: number): Uint8Array {
  const w = new ByteWriter();
  w.u32(GGUF_MAGIC);
  w.u32(GGUF_VERSION);
  w.u64(f.tensors.length);
  const metadata: Record<string, GgufValue> = { ...f.metadata };
  if (alignment !== GGUF_DEFAULT_ALIGNMENT) metadata["general.alignment"] = { type: "u32", value: alignment };
  const keys = Object.keys(metadata);
  w.u64(keys.length);
  for (const key of keys) {
    const v = metadata[key];
    w.string(key);
    if (v.type === "array") {
      w.u32(ARRAY_CODE);
      w.u32(SCALAR_CODE[v.itemType]);
      w.u64(v.value.length);
      for (const item of v.value) w.scalar(v.itemType, item, key);
    } else {
      w.u32(SCALAR_CODE[v.type]);
      w.scalar(v.type, v.value, key);
    }
  }
  const seen = new Set<string>();
  let offset = 0;
  for (const t of f.tensors) {
    if (seen.has(t.name)) throw new Error(`duplicate GGUF tensor name ${t.name}`);
    seen.add(t.name);
    if (t.shape.length < 1 || t.shape.length > 4 || t.shape.some((d) => !Number.isInteger(d) || d <= 0)) {
      throw new RangeError(`tensor ${t.name}: shape [${t.shape}] must have 1-4 positive integer dimensions`);
    }
    const size = tensorByteSize(t.type, t.shape);
    if (size === undefined) {
      throw new RangeError(
        `tensor ${t.name}: ${t.type} needs ne[0] to be a multiple of ${TENSOR_TYPE_INFO[t.type].blockSize}, got ${t.shape[0]}`,
      );
    }
    w.string(t.name);
    w.u32(t.shape.length);
    for (const d of t.shape) w.u64(d);
    w.u32(TENSOR_TYPE_INFO[t.type].code);
    w.u64(offset);
    offset = alignUp(offset + size, alignment);
  }
  w.bytes(new Uint8Array(alignUp(w.length, alignment) - w.length));
  return w.result();
}

/**
 * Write a GGUF v3 file atomically (temp file, fsync, rename), streaming one tensor at a time so
 * that a large model never needs its whole encoded form in memory.
 */
export function writeGguf(path: string, f: GgufFileIn): void {
  const alignment = f.alignment ?? GGUF_DEFAULT_ALIGNMENT;
  if (!Number.isInteger(alignment) || alignment <= 0 || alignment % 8 !== 0) {
    throw new RangeError(`GGUF alignment must be a positive multiple of 8, got ${alignment}`);
  }
  const header = encodeHeader(f, alignment);
  writeFileAtomicStreaming(path, (write) => {
    write(header);
    const zeros = new Uint8Array(alignment);
    for (const t of f.tensors) {
      const bytes = encodeTensor(t);
      write(bytes);
      const pad = alignUp(bytes.length, alignment) - bytes.length;
      if (pad) write(zeros.subarray(0, pad));
    }
  });
}
