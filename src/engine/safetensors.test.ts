import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { CorruptFileError } from "../core/index.js";
import { tempDir } from "../testing/index.js";
import { readSafetensors, type SafetensorsTensor, writeSafetensors } from "./safetensors.js";

const sample = () =>
  new Map<string, SafetensorsTensor>([
    ["w", { dtype: "F32", shape: [2, 3], data: Float32Array.of(1, -2, 3.5, 0, 1e-30, Number.POSITIVE_INFINITY) }],
    ["d", { dtype: "F64", shape: [2], data: Float64Array.of(Math.PI, -0) }],
    ["i", { dtype: "I32", shape: [3], data: Int32Array.of(-1, 0, 2 ** 31 - 1) }],
    ["u", { dtype: "U32", shape: [1, 1], data: Uint32Array.of(2 ** 32 - 1) }],
    ["b", { dtype: "U8", shape: [5], data: Uint8Array.of(0, 1, 2, 254, 255) }],
    ["scalar", { dtype: "F32", shape: [], data: Float32Array.of(7) }],
    ["empty", { dtype: "F32", shape: [0, 4], data: new Float32Array(0) }],
  ]);

test("safetensors round trip of every dtype, shapes incl. scalar and empty, metadata", (t) => {
  const path = join(tempDir(t), "m.safetensors");
  writeSafetensors(path, sample(), { format: "test", step: "3" });
  const back = readSafetensors(path);
  assert.deepEqual(back.metadata, { format: "test", step: "3" });
  assert.deepEqual([...back.tensors.keys()], [...sample().keys()]);
  for (const [k, v] of sample()) assert.deepEqual(back.tensors.get(k), v, k);
  const bytes = readFileSync(path);
  assert.equal((8 + Number(bytes.readBigUInt64LE(0))) % 8, 0); // data buffer 8-byte aligned
  // layout is the reference format: header JSON names dtype, shape, data_offsets
  const header = JSON.parse(bytes.subarray(8, 8 + Number(bytes.readBigUInt64LE(0))).toString());
  assert.deepEqual(header.w, { dtype: "F32", shape: [2, 3], data_offsets: [0, 24] });
});

test("writer refuses mismatched dtype, shape or reserved names", (t) => {
  const path = join(tempDir(t), "m.safetensors");
  const w = (name: string, tensor: SafetensorsTensor) => () => writeSafetensors(path, new Map([[name, tensor]]));
  assert.throws(w("x", { dtype: "F64", shape: [1], data: Float32Array.of(1) }), /does not match/);
  assert.throws(w("x", { dtype: "F32", shape: [2], data: Float32Array.of(1) }), /needs 2 values/);
  assert.throws(w("__metadata__", { dtype: "F32", shape: [1], data: Float32Array.of(1) }), /reserved/);
});

test("corrupt header, truncation and absurd header length raise CorruptFileError naming the problem", (t) => {
  const dir = tempDir(t);
  const good = join(dir, "good.safetensors");
  writeSafetensors(good, sample());
  const bytes = readFileSync(good);
  const hlen = Number(bytes.readBigUInt64LE(0));
  const check = (name: string, data: Uint8Array, re: RegExp) => {
    const p = join(dir, name);
    writeFileSync(p, data);
    assert.throws(
      () => readSafetensors(p),
      (e: unknown) => e instanceof CorruptFileError && re.test(e.message) && e.message.includes(p),
      name,
    );
  };
  check("short", bytes.subarray(0, 5), /too short/);
  const absurd = Buffer.from(bytes);
  absurd.writeBigUInt64LE(1n << 62n, 0);
  check("absurd", absurd, /absurd/);
  const past = Buffer.from(bytes);
  past.writeBigUInt64LE(BigInt(bytes.length), 0);
  check("past", past, /past the end/);
  check("truncated-data", bytes.subarray(0, bytes.length - 3), /truncated|buffer is/);
  check("truncated-header", bytes.subarray(0, 8 + hlen - 10), /past the end|truncated/);
  const badJson = Buffer.from(bytes);
  badJson.write("#", 8);
  check("json", badJson, /not valid JSON/);
  const withHeader = (h: unknown, data = new Uint8Array(0)) => {
    const json = Buffer.from(JSON.stringify(h));
    const head = Buffer.alloc(8);
    head.writeBigUInt64LE(BigInt(json.length));
    return Buffer.concat([head, json, data]);
  };
  check(
    "dtype",
    withHeader({ x: { dtype: "BF16", shape: [1], data_offsets: [0, 2] } }, new Uint8Array(2)),
    /dtype BF16/,
  );
  check("size", withHeader({ x: { dtype: "F32", shape: [2], data_offsets: [0, 4] } }, new Uint8Array(4)), /needs 8/);
  check(
    "overlap",
    withHeader(
      { x: { dtype: "U8", shape: [4], data_offsets: [0, 4] }, y: { dtype: "U8", shape: [4], data_offsets: [2, 6] } },
      new Uint8Array(6),
    ),
    /overlap or gap/,
  );
  check("range", withHeader({ x: { dtype: "U8", shape: [8], data_offsets: [0, 8] } }, new Uint8Array(4)), /truncated/);
  check("shape", withHeader({ x: { dtype: "U8", shape: [-1], data_offsets: [0, 0] } }), /bad shape/);
  check("array", withHeader([1, 2]), /not a JSON object/);
});
