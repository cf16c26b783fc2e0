import assert from "node:assert/strict";
import { readFileSync, truncateSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { CorruptFileError } from "../../core/index.js";
import { extractLlamaCppFiles, tempDir } from "../../testing/index.js";
import type { GgufValue } from "./gguf-types.js";
import { readGguf, readGgufTensor } from "./read-gguf.js";
import { writeGguf } from "./write-gguf.js";

const METADATA: Record<string, GgufValue> = {
  "t.u8": { type: "u8", value: 255 },
  "t.i8": { type: "i8", value: -128 },
  "t.u16": { type: "u16", value: 65535 },
  "t.i16": { type: "i16", value: -32768 },
  "t.u32": { type: "u32", value: 4294967295 },
  "t.i32": { type: "i32", value: -2147483648 },
  "t.u64": { type: "u64", value: 18446744073709551615n },
  "t.i64": { type: "i64", value: -9223372036854775808n },
  "t.f32": { type: "f32", value: 0.5 },
  "t.f64": { type: "f64", value: Math.PI },
  "t.bool": { type: "bool", value: true },
  "t.string": { type: "string", value: "héllo ✓ 🦙\u0000end" },
  "t.arr.str": { type: "array", itemType: "string", value: ["a", "", "Ġb", "🦙"] },
  "t.arr.i32": { type: "array", itemType: "i32", value: [1, -2, 3] },
  "t.arr.f32": { type: "array", itemType: "f32", value: [0.25, -1.5] },
  "t.arr.empty": { type: "array", itemType: "string", value: [] },
  "t.arr.bool": { type: "array", itemType: "bool", value: [true, false] },
  "t.arr.u64": { type: "array", itemType: "u64", value: [1n, 2n ** 40n] },
};

const ramp = (n: number, scale = 0.01) => new Float32Array(n).map((_, i) => Math.sin(i * 0.7) * scale * (1 + (i % 13)));

function writeSample(path: string, alignment?: number) {
  writeGguf(path, {
    metadata: METADATA,
    alignment,
    tensors: [
      { name: "a.f32", type: "F32", shape: [3, 5], data: ramp(15) },
      { name: "b.f16", type: "F16", shape: [7], data: ramp(7) },
      { name: "c.q8", type: "Q8_0", shape: [64, 3], data: ramp(192) },
    ],
  });
}

test("GGUF round trip: every scalar type, arrays, and F32/F16/Q8_0 tensors", (t) => {
  const dir = tempDir(t);
  for (const alignment of [undefined, 64]) {
    const path = join(dir, `m-${alignment}.gguf`);
    writeSample(path, alignment);
    const f = readGguf(path);
    assert.equal(f.version, 3);
    assert.equal(f.alignment, alignment ?? 32);
    const { "general.alignment": _, ...md } = f.metadata;
    assert.deepEqual(md, METADATA);
    assert.equal(f.dataOffset % f.alignment, 0);
    assert.deepEqual(
      f.tensors.map((x) => [x.name, x.type, x.shape, x.nbytes]),
      [
        ["a.f32", "F32", [3, 5], 60],
        ["b.f16", "F16", [7], 14],
        ["c.q8", "Q8_0", [64, 3], 6 * 34],
      ],
    );
    for (const x of f.tensors) assert.equal(x.offset % f.alignment, 0);
    assert.deepEqual(readGgufTensor(f, "a.f32"), ramp(15));
    const h = readGgufTensor(path, "b.f16");
    for (const [i, v] of ramp(7).entries()) assert.ok(Math.abs(h[i] - v) <= Math.abs(v) * 2 ** -11);
    const q = readGgufTensor(f, "c.q8");
    assert.equal(q.length, 192);
    for (const [i, v] of ramp(192).entries()) assert.ok(Math.abs(q[i] - v) < 0.14 / 127 + 1e-6, `q8 ${i}`);
  }
});

test("GGUF writer refuses bad input before touching the file", (t) => {
  const path = join(tempDir(t), "bad.gguf");
  const w =
    (tensors: Parameters<typeof writeGguf>[1]["tensors"], metadata: Record<string, GgufValue> = {}) =>
    () =>
      writeGguf(path, { metadata, tensors });
  assert.throws(w([{ name: "x", type: "F32", shape: [2, 2], data: new Float32Array(3) }]), /needs 4 values/);
  assert.throws(w([{ name: "x", type: "Q8_0", shape: [16], data: new Float32Array(16) }]), /multiple of 32/);
  assert.throws(w([], { k: { type: "u8", value: 256 } }), /not a valid u8/);
  assert.throws(w([], { k: { type: "string", value: 3 } }), /expected a string/);
  const x = { name: "x", type: "F32" as const, shape: [1], data: new Float32Array(1) };
  assert.throws(w([x, x]), /duplicate/);
});

test("corrupt or truncated GGUF files raise CorruptFileError naming the problem", (t) => {
  const dir = tempDir(t);
  const good = join(dir, "good.gguf");
  writeSample(good);
  const bytes = readFileSync(good);
  const variant = (name: string, edit: (b: Buffer) => void, length = bytes.length) => {
    const p = join(dir, name);
    const b = Buffer.from(bytes.subarray(0, length));
    edit(b);
    writeFileSync(p, b);
    return p;
  };
  const expectCorrupt = (p: string, re: RegExp) =>
    assert.throws(
      () => readGguf(p),
      (e: unknown) => e instanceof CorruptFileError && re.test(e.message) && e.message.includes(p),
    );
  expectCorrupt(
    variant("magic.gguf", (b) => {
      b.write("GGUX", 0);
    }),
    /magic/,
  );
  expectCorrupt(
    variant("version.gguf", (b) => {
      b.writeUInt32LE(9, 4);
    }),
    /version 9/,
  );
  expectCorrupt(
    variant("count.gguf", (b) => {
      b.writeBigUInt64LE(1n << 60n, 8);
    }),
    /absurd/,
  );
  expectCorrupt(
    variant("empty.gguf", () => {}, 0),
    /magic/,
  );
  expectCorrupt(
    variant("header-cut.gguf", () => {}, 100),
    /truncated/,
  );
  expectCorrupt(
    variant("data-cut.gguf", () => {}, bytes.length - 40),
    /c\.q8.*truncated/,
  );
  // the first key's value type sits after magic, version, counts and the key string
  const keyLen = Number(bytes.readBigUInt64LE(24));
  expectCorrupt(
    variant("type.gguf", (b) => {
      b.writeUInt32LE(77, 32 + keyLen);
    }),
    /unknown value type 77/,
  );
  const p = variant("late-cut.gguf", () => {});
  const f = readGguf(p);
  truncateSync(p, f.dataOffset + 8);
  assert.throws(() => readGgufTensor(f, "c.q8"), CorruptFileError);
  assert.throws(() => readGgufTensor(f, "nope"), /nope not found/);
});

test("reads a real GGUF: llama.cpp's Qwen2 vocabulary file", (t) => {
  const files = extractLlamaCppFiles(t, ["models/ggml-vocab-qwen2.gguf"]);
  if (!files) return;
  const f = readGguf(files[0]);
  assert.equal(f.version, 3);
  assert.equal(f.metadata["general.architecture"].value, "qwen2");
  assert.equal(f.metadata["tokenizer.ggml.model"].value, "gpt2");
  assert.equal(f.metadata["tokenizer.ggml.pre"].value, "qwen2");
  const tokens = f.metadata["tokenizer.ggml.tokens"];
  assert.equal(tokens.type, "array");
  assert.equal(tokens.value.length, 151936);
  assert.equal(tokens.value[9707], "Hello");
});

test("headers of other ggml types (a user's Q4_K model) parse; their data is refused by name", (t) => {
  const path = join(tempDir(t), "q4k.gguf");
  writeGguf(path, { metadata: {}, tensors: [{ name: "w", type: "F32", shape: [256], data: new Float32Array(256) }] });
  const b = readFileSync(path);
  // tensor info starts at byte 24: name (u64 length + 1 byte), n_dims u32, ne[0] u64, then the type
  b.writeUInt32LE(12, 24 + 8 + 1 + 4 + 8); // ggml Q4_K
  writeFileSync(path, b);
  const f = readGguf(path);
  assert.deepEqual(f.tensors[0], { name: "w", type: "Q4_K", shape: [256], offset: 0, nbytes: 144 });
  assert.throws(() => readGgufTensor(f, "w"), /w is Q4_K; ideasteer decodes F32, F16 and Q8_0/);
});
