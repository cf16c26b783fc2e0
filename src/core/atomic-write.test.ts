import assert from "node:assert/strict";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { tempDir } from "../testing/index.js";
import { writeFileAtomic, writeFileAtomicStreaming } from "./atomic-write.js";

test("writeFileAtomic replaces content whole and leaves no temp file", (t) => {
  const dir = tempDir(t);
  const p = join(dir, "a.json");
  writeFileSync(p, "old");
  writeFileAtomic(p, ["{", '"x":1', "}"]);
  assert.equal(readFileSync(p, "utf8"), '{"x":1}');
  assert.deepEqual(readdirSync(dir), ["a.json"]);
});

test("a failed write keeps the old file and removes the temp file", (t) => {
  const dir = tempDir(t);
  const p = join(dir, "a.bin");
  writeFileSync(p, "keep");
  // A part that is neither string nor bytes makes writeSync throw midway.
  assert.throws(() => writeFileAtomic(p, ["new", 5 as unknown as string]));
  assert.equal(readFileSync(p, "utf8"), "keep");
  assert.deepEqual(readdirSync(dir), ["a.bin"]);
});

test("a streamed write lands its parts in order; one that throws midway leaves the old file", (t) => {
  const dir = tempDir(t);
  const p = join(dir, "m.bin");
  writeFileAtomicStreaming(p, (write) => {
    for (const b of [1, 2, 3]) write(new Uint8Array([b, b]));
  });
  assert.deepEqual([...readFileSync(p)], [1, 1, 2, 2, 3, 3]);
  assert.throws(
    () =>
      writeFileAtomicStreaming(p, (write) => {
        write(new Uint8Array([9]));
        throw new Error("tensor encoding failed");
      }),
    /tensor encoding failed/,
  );
  assert.deepEqual([...readFileSync(p)], [1, 1, 2, 2, 3, 3]);
  assert.deepEqual(readdirSync(dir), ["m.bin"]);
});
