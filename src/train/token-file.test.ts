import assert from "node:assert/strict";
import { readFileSync, truncateSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { CorruptFileError } from "../core/index.js";
import { tempDir } from "../testing/index.js";
import { readTokenFile, writeTokenFile } from "./token-file.js";

test("token files round-trip both splits; truncation and foreign files are CorruptFileErrors", (t) => {
  const path = join(tempDir(t), "tokens.bin");
  const splits = { train: Uint16Array.from([1, 2, 65535, 0, 7]), val: Uint16Array.from([9, 8]) };
  writeTokenFile(path, { key: "k1", vocabSize: 65536, splits, documents: { train: 2, val: 1 } });
  const back = readTokenFile(path);
  assert.deepEqual(back.splits, splits);
  assert.equal(back.header.key, "k1");
  assert.deepEqual(
    back.header.splits.map((s) => [s.name, s.count, s.documents]),
    [
      ["train", 5, 2],
      ["val", 2, 1],
    ],
  );
  const size = readFileSync(path).length;
  truncateSync(path, size - 2);
  assert.throws(
    () => readTokenFile(path),
    (e: unknown) => e instanceof CorruptFileError && /truncated/.test(e.message),
  );
  writeFileSync(path, "not a token file");
  assert.throws(
    () => readTokenFile(path),
    (e: unknown) => e instanceof CorruptFileError && /bad magic/.test(e.message),
  );
});
