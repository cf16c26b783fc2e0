import assert from "node:assert/strict";
import { appendFileSync, readdirSync, readFileSync, rmSync, truncateSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { CorruptFileError } from "../core/index.js";
import { tempDir } from "../testing/index.js";
import { type CheckpointState, latestCheckpoint, loadCheckpoint, saveCheckpoint } from "./checkpoint.js";

const llamaConfig = {
  vocabSize: 8,
  dModel: 4,
  nLayers: 1,
  nHeads: 2,
  nKvHeads: 1,
  dFf: 8,
  contextLength: 16,
  ropeTheta: 10000,
  normEps: 1e-5,
  tiedEmbeddings: true,
};

function state(step: number): CheckpointState {
  const w = (n: number, k: number) => Float32Array.from({ length: n }, (_, i) => Math.sin(i * k + step) / 3);
  return {
    step,
    weights: new Map([
      ["token_embd.weight", { shape: [8, 4], data: w(32, 1) }],
      ["output_norm.weight", { shape: [4], data: w(4, 2) }],
    ]),
    optimizer: {
      step,
      m: new Map([
        ["token_embd.weight", w(32, 3)],
        ["output_norm.weight", w(4, 4)],
      ]),
      v: new Map([
        ["token_embd.weight", w(32, 5).map(Math.abs)],
        ["output_norm.weight", w(4, 6).map(Math.abs)],
      ]),
    },
    rngState: [1, 2, 3, step],
    cursor: { epoch: 1, index: step },
    llamaConfig,
    trainConfig: { maxSteps: 100 },
  };
}

function save(dir: string, step: number, keep = 3): string {
  const tok = join(dir, "tok.json");
  writeFileSync(tok, '{"fake":"tokenizer"}');
  return saveCheckpoint(dir, { ...state(step), tokenizerPath: tok, keep });
}

test("a checkpoint restores weights, moments, RNG, cursor and configs bit for bit", (t) => {
  const dir = tempDir(t);
  const path = save(dir, 7);
  assert.match(path, /checkpoints\/step-00000007$/);
  const got = loadCheckpoint(dir); // a run folder resolves to its newest checkpoint
  const want = state(7);
  assert.equal(got.step, 7);
  assert.deepEqual(got.weights, want.weights);
  assert.deepEqual(got.optimizer, want.optimizer);
  assert.deepEqual(got.rngState, want.rngState);
  assert.deepEqual(got.cursor, want.cursor);
  assert.deepEqual(got.llamaConfig, llamaConfig);
  assert.deepEqual(got.trainConfig, { maxSteps: 100 });
  assert.equal(readFileSync(got.tokenizerPath, "utf8"), '{"fake":"tokenizer"}');
});

test("only the newest `keep` checkpoints stay; an unfinished folder (no manifest) is never the latest", (t) => {
  const dir = tempDir(t);
  for (const s of [10, 20, 30]) save(dir, s, 2);
  assert.deepEqual(readdirSync(join(dir, "checkpoints")).sort(), ["step-00000020", "step-00000030"]);
  rmSync(join(dir, "checkpoints", "step-00000030", "checkpoint.json"));
  assert.match(latestCheckpoint(dir) ?? "", /step-00000020$/);
  assert.equal(loadCheckpoint(dir).step, 20);
  save(dir, 20, 2); // re-saving an existing step swaps the folder
  assert.equal(loadCheckpoint(join(dir, "checkpoints", "step-00000020")).step, 20);
});

test("truncated or corrupt checkpoint files give a CorruptFileError that names the file", (t) => {
  const dir = tempDir(t);
  const ck = save(dir, 5);
  const weights = join(ck, "model.safetensors");
  const bytes = readFileSync(weights);
  truncateSync(weights, bytes.length - 10);
  assert.throws(
    () => loadCheckpoint(ck),
    (e: unknown) => e instanceof CorruptFileError && /model\.safetensors: has \d+ bytes.*truncated/.test(e.message),
  );
  const flipped = Buffer.from(bytes);
  flipped[flipped.length - 3] = (flipped[flipped.length - 3] as number) ^ 0xff;
  writeFileSync(weights, flipped);
  assert.throws(
    () => loadCheckpoint(ck),
    (e: unknown) => e instanceof CorruptFileError && /model\.safetensors: content does not match/.test(e.message),
  );
  writeFileSync(weights, bytes);
  assert.equal(loadCheckpoint(ck).step, 5);
  appendFileSync(join(ck, "checkpoint.json"), "}}garbage");
  assert.throws(
    () => loadCheckpoint(ck),
    (e: unknown) =>
      e instanceof CorruptFileError && /checkpoint\.json: checkpoint manifest is not readable/.test(e.message),
  );
});
