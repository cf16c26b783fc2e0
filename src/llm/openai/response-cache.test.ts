import assert from "node:assert/strict";
import { readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { tempDir } from "../../testing/index.js";
import type { Generation } from "../backend.js";
import { diskCache, memoryCache, requestKey } from "./response-cache.js";

const gen: Generation = { text: "héllo", finishReason: "stop", usage: { promptTokens: 3, completionTokens: 2 } };

test("requestKey ignores key order and undefined fields, and changes with any value", () => {
  const a = requestKey({ model: "m", messages: [{ role: "user", content: "x" }], temperature: 0, seed: undefined });
  assert.equal(a, requestKey({ temperature: 0, messages: [{ content: "x", role: "user" }], model: "m" }));
  assert.notEqual(a, requestKey({ model: "m", messages: [{ role: "user", content: "y" }], temperature: 0 }));
  assert.notEqual(a, requestKey({ model: "m", messages: [{ role: "user", content: "x" }], temperature: 0, seed: 1 }));
  assert.match(a, /^[0-9a-f]{64}$/);
});

test("diskCache round-trips a generation through an atomic file, and treats a damaged entry as a miss", (t) => {
  const dir = tempDir(t);
  const key = requestKey({ n: 1 });
  const cache = diskCache(dir);
  assert.equal(cache.get(key), undefined);
  cache.set(key, gen);
  assert.deepEqual(diskCache(dir).get(key), gen); // a fresh instance reads it back from disk
  assert.deepEqual(readdirSync(join(dir, key.slice(0, 2))), [`${key}.json`]); // no temp files left behind
  writeFileSync(join(dir, key.slice(0, 2), `${key}.json`), '{"text": "trunc');
  const warnings: string[] = [];
  const log = { warn: (m: string) => warnings.push(m) } as unknown as Parameters<typeof diskCache>[1];
  assert.equal(diskCache(dir, log).get(key), undefined);
  assert.equal(warnings.length, 1);
  const mem = memoryCache();
  mem.set(key, gen);
  assert.deepEqual(mem.get(key), gen);
});
