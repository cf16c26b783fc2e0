import { closeSync, fstatSync, openSync, readSync } from "node:fs";
import { CorruptFileError, IdeasteerError } from "../../core/index.js";
import { f16ToF32 } from "./f16.js";
import {
  ARRAY_CODE,
  alignUp,
  GGML_TYPE_BY_CODE,
  GGUF_DEFAULT_ALIGNMENT,
  GGUF_MAGIC,
  type GgufScalar,
  type GgufScalarType,
  type GgufTensorInfo,
  type GgufTensorType,
  type GgufValue,
  isGgufTensorType,
  SCALAR_BY_CODE,
  SCALAR_SIZE,
  tensorByteSize,
  tensorElementCount,
} from "./gguf-types.js";
import { dequantizeQ8_0 } from "./q8-0.js";

/** A parsed GGUF header; tensor data stays on disk until readGgufTensor asks for it. */
export type GgufFile = {
  path: string;
  version: number;
  metadata: Record<string, GgufValue>;
  tensors: GgufTensorInfo[];
  dataOffset: number; // absolute byte offset of the data section
  alignment: number;
  fileSize: number;
};

const CHUNK = 1 << 20;

/** Reads the header sequentially from a file descriptor, a chunk at a time, checking every bound. */
class HeaderReader {
  private buf = new Uint8Array(0);
  private view = new DataView(this.buf.buffer);
  private text = Buffer.from(this.buf.buffer); // same bytes, for fast UTF-8 decoding
  private bufStart = 0; // absolute file offset of buf[0]
  pos = 0; // absolute file offset of the next byte
  constructor(
    private readonly fd: number,
    readonly fileSize: number,
    private readonly path: string,
  ) {}
  fail(what: string): never {
    throw new CorruptFileError(this.path, `GGUF ${what} (at byte ${this.pos})`, {
      hint: "the file is not a GGUF model or was cut short; re-export or re-download it",
    });
  }
  private ensure(n: number, what: string): void {
    if (this.pos + n > this.fileSize)
      this.fail(`truncated while reading ${what}: needs ${n} bytes, file has ${this.fileSize}`);
    const rel = this.pos - this.bufStart;
    if (rel + n <= this.buf.length) return;
    const size = Math.max(n, CHUNK);
    const next = new Uint8Array(Math.min(size, this.fileSize - this.pos));
    let got = 0;
    while (got < next.length) {
      const r = readSync(this.fd, next, got, next.length - got, this.pos + got);
      if (r === 0) this.fail(`truncated while reading ${what}`);
      got += r;
    }
    this.buf = next;
    this.view = new DataView(next.buffer);
    this.text = Buffer.from(next.buffer);
    this.bufStart = this.pos;
  }
  private at(n: number, what: string): number {
    this.ensure(n, what);
    const o = this.pos - this.bufStart;
    this.pos += n;
    return o;
  }
  u32(what: string): number {
    const o = this.at(4, what); // first: at() may swap the buffer and its view
    return this.view.getUint32(o, true);
  }
  /** A u64 that must fit a safe JS number (counts, lengths, offsets). */
  size(what: string): number {
    const o = this.at(8, what);
    const v = this.view.getBigUint64(o, true);
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) this.fail(`${what} is absurd (${v})`);
    return Number(v);
  }
  string(what: string): string {
    const n = this.size(`${what} length`);
    if (this.pos + n > this.fileSize) this.fail(`${what} length ${n} runs past the end of the file`);
    const o = this.at(n, what);
    return this.text.toString("utf8", o, o + n);
  }
  scalar(type: GgufScalarType, what: string): GgufScalar {
    if (type === "string") return this.string(what);
    const o = this.at(SCALAR_SIZE[type], what);
    const v = this.view;
    switch (type) {
      case "u8":
        return v.getUint8(o);
      case "i8":
        return v.getInt8(o);
      case "u16":
        return v.getUint16(o, true);
      case "i16":
        return v.getInt16(o, true);
      case "u32":
        return v.getUint32(o, true);
      case "i32":
        return v.getInt32(o, true);
      case "f32":
        return v.getFloat32(o, true);
      case "f64":
        return v.getFloat64(o, true);
      case "bool": {
        const b = v.getUint8(o);
        if (b > 1) this.fail(`${what} is a bool with value ${b}`);
        return b === 1;
      }
      case "u64":
        return v.getBigUint64(o, true);
      case "i64":
        return v.getBigInt64(o, true);
    }
  }
  scalarType(code: number, what: string): GgufScalarType {
    const t = SCALAR_BY_CODE.get(code);
    if (t === undefined) this.fail(`${what} has unknown value type ${code}`);
    return t;
  }
}

/**
 * Parse a GGUF file's header (versions 2 and 3): metadata and tensor infos, with every count,
 * length, type and offset checked against the file. Corrupt or truncated -> CorruptFileError.
 */
export function readGguf(path: string): GgufFile {
  const fd = openSync(path, "r");
  try {
    return parseHeader(fd, path);
  } finally {
    closeSync(fd);
  }
}

function parseHeader(fd: number, path: string): GgufFile {
  const fileSize = fstatSync(fd).size;
  const r: HeaderReader = new HeaderReader(fd, fileSize, path);
  if (fileSize < 4 || r.u32("magic") !== GGUF_MAGIC) {
    r.pos = 0;
    r.fail("magic missing: this is not a GGUF file");
  }
  const version = r.u32("version");
  if (version !== 2 && version !== 3) r.fail(`version ${version} is not supported (2 or 3 expected)`);
  const nTensors = r.size("tensor count");
  const nKv = r.size("metadata count");
  // A key/value takes at least 13 bytes (u64 key length, u32 type, 1-byte value), a tensor info 24.
  if (nKv * 13 + nTensors * 24 > fileSize - r.pos) {
    r.fail(
      `counts (${nTensors} tensors, ${nKv} keys) cannot fit in ${fileSize} bytes: absurd, or the file is truncated`,
    );
  }
  const metadata: Record<string, GgufValue> = {};
  for (let i = 0; i < nKv; i++) {
    const key = r.string(`metadata key ${i}`);
    const code = r.u32(`type of ${key}`);
    if (code === ARRAY_CODE) {
      const itemType = r.scalarType(r.u32(`item type of ${key}`), `array ${key}`);
      const n = r.size(`length of ${key}`);
      const minItem = itemType === "string" ? 8 : SCALAR_SIZE[itemType];
      if (r.pos + n * minItem > fileSize) r.fail(`array ${key} of ${n} items runs past the end of the file`);
      const value: GgufScalar[] = new Array(n);
      for (let j = 0; j < n; j++) value[j] = r.scalar(itemType, key);
      metadata[key] = { type: "array", itemType, value };
    } else {
      const type = r.scalarType(code, key);
      metadata[key] = { type, value: r.scalar(type, key) };
    }
  }
  const alignValue = metadata["general.alignment"];
  let alignment = GGUF_DEFAULT_ALIGNMENT;
  if (alignValue !== undefined) {
    if (
      alignValue.type !== "u32" ||
      typeof alignValue.value !== "number" ||
      alignValue.value <= 0 ||
      alignValue.value % 8
    ) {
      r.fail("general.alignment must be a u32 multiple of 8");
    }
    alignment = alignValue.value;
  }
  const tensors: GgufTensorInfo[] = [];
  const names = new Set<string>();
  for (let i = 0; i < nTensors; i++) {
    const name = r.string(`tensor ${i} name`);
    if (names.has(name)) r.fail(`tensor ${name} appears twice`);
    names.add(name);
    const nDims = r.u32(`dimension count of ${name}`);
    if (nDims < 1 || nDims > 4) r.fail(`tensor ${name} has ${nDims} dimensions (1-4 allowed)`);
    const shape: number[] = [];
    for (let d = 0; d < nDims; d++) {
      const ne = r.size(`ne[${d}] of ${name}`);
      if (ne <= 0) r.fail(`tensor ${name} has ne[${d}] = ${ne}`);
      shape.push(ne);
    }
    const code = r.u32(`type of ${name}`);
    const type = GGML_TYPE_BY_CODE.get(code);
    if (type === undefined) r.fail(`tensor ${name} has unknown ggml type ${code}`);
    const offset = r.size(`offset of ${name}`);
    if (offset % alignment !== 0) r.fail(`tensor ${name} offset ${offset} is not aligned to ${alignment}`);
    if (tensorElementCount(shape) > fileSize * 2) r.fail(`tensor ${name} shape [${shape}] is absurd`);
    const nbytes = tensorByteSize(type, shape);
    if (nbytes === undefined) r.fail(`tensor ${name}: ${type} with ne[0] = ${shape[0]} does not fill whole blocks`);
    tensors.push({ name, type, shape, offset, nbytes });
  }
  const dataOffset = alignUp(r.pos, alignment);
  for (const t of tensors) {
    if (dataOffset + t.offset + t.nbytes > fileSize) {
      throw new CorruptFileError(
        path,
        `GGUF tensor ${t.name} needs bytes ${dataOffset + t.offset}-${dataOffset + t.offset + t.nbytes}, but the file has ${fileSize}: truncated`,
        { hint: "the file was cut short; re-export or re-download it" },
      );
    }
  }
  return { path, version, metadata, tensors, dataOffset, alignment, fileSize };
}

/** One tensor's values as float32 (F16 and Q8_0 dequantised), read from disk on demand. */
export function readGgufTensor(file: string | GgufFile, name: string): Float32Array {
  const f = typeof file === "string" ? readGguf(file) : file;
  const t = f.tensors.find((x) => x.name === name);
  if (t === undefined) throw new CorruptFileError(f.path, `GGUF tensor ${name} not found`);
  if (!isGgufTensorType(t.type)) {
    throw new IdeasteerError(
      "E_UNSUPPORTED",
      `${f.path}: GGUF tensor ${name} is ${t.type}; ideasteer decodes F32, F16 and Q8_0`,
      {
        hint: "re-quantise the model to Q8_0 or F16 with llama.cpp's llama-quantize",
      },
    );
  }
  const type = t.type;
  const bytes = new Uint8Array(t.nbytes);
  const fd = openSync(f.path, "r");
  try {
    let got = 0;
    while (got < bytes.length) {
      const n = readSync(fd, bytes, got, bytes.length - got, f.dataOffset + t.offset + got);
      if (n === 0) throw new CorruptFileError(f.path, `GGUF tensor ${name} is truncated`);
      got += n;
    }
  } finally {
    closeSync(fd);
  }
  return decodeTensor(type, t.shape, bytes);
}

function decodeTensor(type: GgufTensorType, shape: number[], bytes: Uint8Array): Float32Array {
  switch (type) {
    case "F32":
      return new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
    case "F16":
      return f16ToF32(new Uint16Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 2));
    case "Q8_0":
      return dequantizeQ8_0(bytes, tensorElementCount(shape));
  }
}
