import { closeSync, fstatSync, openSync, readSync } from "node:fs";
import { CorruptFileError, writeFileAtomicStreaming } from "../core/index.js";

/**
 * safetensors (huggingface/safetensors): u64 little-endian header length N, N bytes of JSON
 * {name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__": {string: string}}, then the
 * data buffer; offsets are relative to the buffer, tensors packed in order without gaps.
 */
export const SAFETENSORS_DTYPES = ["F32", "F64", "I32", "U32", "U8"] as const;
export type SafetensorsDtype = (typeof SAFETENSORS_DTYPES)[number];

export type SafetensorsData = Float32Array | Float64Array | Int32Array | Uint32Array | Uint8Array;
export type SafetensorsTensor = { dtype: SafetensorsDtype; shape: number[]; data: SafetensorsData };
export type Safetensors = { tensors: Map<string, SafetensorsTensor>; metadata: Record<string, string> };

const DTYPE: Record<
  SafetensorsDtype,
  { bytes: number; make: (b: ArrayBuffer, offset: number, n: number) => SafetensorsData }
> = {
  F32: { bytes: 4, make: (b, o, n) => new Float32Array(b, o, n) },
  F64: { bytes: 8, make: (b, o, n) => new Float64Array(b, o, n) },
  I32: { bytes: 4, make: (b, o, n) => new Int32Array(b, o, n) },
  U32: { bytes: 4, make: (b, o, n) => new Uint32Array(b, o, n) },
  U8: { bytes: 1, make: (b, o, n) => new Uint8Array(b, o, n) },
};

const MAX_HEADER_BYTES = 100_000_000; // the reference implementation's limit
const ALIGN = 8; // header padded with spaces so the data buffer starts 8-byte aligned

const elementCount = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

function checkArray(name: string, t: SafetensorsTensor): void {
  const ok =
    (t.dtype === "F32" && t.data instanceof Float32Array) ||
    (t.dtype === "F64" && t.data instanceof Float64Array) ||
    (t.dtype === "I32" && t.data instanceof Int32Array) ||
    (t.dtype === "U32" && t.data instanceof Uint32Array) ||
    (t.dtype === "U8" && t.data instanceof Uint8Array);
  if (!ok) throw new TypeError(`tensor ${name}: dtype ${t.dtype} does not match its ${t.data.constructor.name}`);
  if (t.shape.some((d) => !Number.isInteger(d) || d < 0))
    throw new RangeError(`tensor ${name}: bad shape [${t.shape}]`);
  if (elementCount(t.shape) !== t.data.length) {
    throw new RangeError(
      `tensor ${name}: shape [${t.shape}] needs ${elementCount(t.shape)} values, got ${t.data.length}`,
    );
  }
}

/** Write tensors (in map order) atomically: temp file, fsync, rename. */
export function writeSafetensors(
  path: string,
  tensors: Map<string, SafetensorsTensor>,
  metadata?: Record<string, string>,
): void {
  const header: Record<string, unknown> = {};
  if (metadata && Object.keys(metadata).length) header.__metadata__ = metadata;
  let offset = 0;
  for (const [name, t] of tensors) {
    if (name === "__metadata__") throw new Error("__metadata__ is reserved and cannot name a tensor");
    checkArray(name, t);
    const end = offset + t.data.byteLength;
    header[name] = { dtype: t.dtype, shape: t.shape, data_offsets: [offset, end] };
    offset = end;
  }
  let json = JSON.stringify(header);
  const jsonBytes = Buffer.byteLength(json);
  json += " ".repeat((ALIGN - ((8 + jsonBytes) % ALIGN)) % ALIGN);
  const head = Buffer.alloc(8 + Buffer.byteLength(json));
  head.writeBigUInt64LE(BigInt(Buffer.byteLength(json)), 0);
  head.write(json, 8, "utf8");
  writeFileAtomicStreaming(path, (write) => {
    write(head);
    for (const t of tensors.values()) write(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength));
  });
}

/**
 * Read a safetensors file, checking the header length, JSON, dtypes, shapes and offsets (in range,
 * contiguous, matching dtype x shape) against the file. Any problem -> CorruptFileError naming it.
 * Unsupported dtypes (F16, BF16, ...) are refused by name.
 */
export function readSafetensors(path: string): Safetensors {
  const fd = openSync(path, "r");
  try {
    const size = fstatSync(fd).size;
    const fail = (m: string): never => {
      throw new CorruptFileError(path, `safetensors: ${m}`, {
        hint: "the file is damaged or not safetensors; rewrite it",
      });
    };
    const readAt = (n: number, pos: number): Uint8Array => {
      const b = new Uint8Array(n);
      let got = 0;
      while (got < n) {
        const r = readSync(fd, b, got, n - got, pos + got);
        if (r === 0) fail(`truncated: needs ${pos + n} bytes, file has ${size}`);
        got += r;
      }
      return b;
    };
    if (size < 8) fail(`file of ${size} bytes is too short for a header`);
    const n = Buffer.from(readAt(8, 0)).readBigUInt64LE(0);
    if (n > BigInt(MAX_HEADER_BYTES)) fail(`header length ${n} is absurd (limit ${MAX_HEADER_BYTES})`);
    if (Number(n) + 8 > size) fail(`header length ${n} runs past the end of the file (${size} bytes): truncated`);
    const headerBytes = Number(n);
    let header: unknown;
    try {
      header = JSON.parse(Buffer.from(readAt(headerBytes, 8)).toString("utf8"));
    } catch (e) {
      fail(`header is not valid JSON (${(e as Error).message})`);
    }
    if (typeof header !== "object" || header === null || Array.isArray(header)) fail("header is not a JSON object");
    const entries = Object.entries(header as Record<string, unknown>);
    const metadata: Record<string, string> = {};
    const infos: { name: string; dtype: SafetensorsDtype; shape: number[]; begin: number; end: number }[] = [];
    for (const [name, v] of entries) {
      if (name === "__metadata__") {
        if (typeof v !== "object" || v === null) fail("__metadata__ is not an object");
        for (const [k, s] of Object.entries(v as Record<string, unknown>)) {
          if (typeof s !== "string") fail(`__metadata__.${k} is not a string`);
          metadata[k] = s as string;
        }
        continue;
      }
      const info = v as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
      if (typeof info !== "object" || info === null) fail(`tensor ${name} has no description`);
      const dtype = info.dtype;
      if (typeof dtype !== "string" || !(SAFETENSORS_DTYPES as readonly string[]).includes(dtype)) {
        fail(`tensor ${name} has dtype ${String(dtype)}; ideasteer reads ${SAFETENSORS_DTYPES.join(", ")}`);
      }
      const shape = info.shape;
      if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0))
        fail(`tensor ${name} has a bad shape`);
      const offs = info.data_offsets;
      if (!Array.isArray(offs) || offs.length !== 2 || !offs.every((d) => Number.isSafeInteger(d) && d >= 0)) {
        fail(`tensor ${name} has bad data_offsets`);
      }
      infos.push({
        name,
        dtype: dtype as SafetensorsDtype,
        shape: shape as number[],
        begin: (offs as number[])[0],
        end: (offs as number[])[1],
      });
    }
    const dataStart = 8 + headerBytes;
    const dataBytes = size - dataStart;
    // Offsets must tile the buffer exactly: sorted, contiguous from 0, each size = dtype x shape.
    let cursor = 0;
    for (const t of [...infos].sort((a, b) => a.begin - b.begin || a.end - b.end)) {
      const want = elementCount(t.shape) * DTYPE[t.dtype].bytes;
      if (t.end - t.begin !== want) {
        fail(
          `tensor ${t.name}: data_offsets [${t.begin}, ${t.end}] hold ${t.end - t.begin} bytes, ${t.dtype} [${t.shape}] needs ${want}`,
        );
      }
      if (t.begin !== cursor)
        fail(`tensor ${t.name}: data_offsets start at ${t.begin}, expected ${cursor} (overlap or gap)`);
      if (t.end > dataBytes) fail(`tensor ${t.name} ends at byte ${t.end} of a ${dataBytes}-byte buffer: truncated`);
      cursor = t.end;
    }
    if (cursor !== dataBytes) fail(`data buffer is ${dataBytes} bytes but tensors use ${cursor}`);
    const tensors = new Map<string, SafetensorsTensor>();
    for (const t of infos) {
      const bytes = readAt(t.end - t.begin, dataStart + t.begin); // own buffer: aligned for any dtype
      tensors.set(t.name, {
        dtype: t.dtype,
        shape: t.shape,
        data: DTYPE[t.dtype].make(bytes.buffer as ArrayBuffer, 0, elementCount(t.shape)),
      });
    }
    return { tensors, metadata };
  } finally {
    closeSync(fd);
  }
}
