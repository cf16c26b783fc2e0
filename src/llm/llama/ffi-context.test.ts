import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { getLlama, type Llama, LlamaLogLevel } from "node-llama-cpp";
import { tinyLlamaConfig, writeRandomLlamaModel } from "../../testing/index.js";
import { FfiContext } from "./ffi-context.js";
import { FfiModel } from "./ffi-model.js";
import { findLoadedLibllama, type Libllama, loadLibllama } from "./libllama.js";

let dir: string;
let llama: Llama;
let lib: Libllama;
let model: FfiModel;
let ctx: FfiContext;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), "ideasteer-ffi-"));
  const config = tinyLlamaConfig({ nLayers: 3, nKvHeads: 4, tiedEmbeddings: true });
  writeRandomLlamaModel(join(dir, "m.gguf"), { config, seed: 2 });
  llama = await getLlama({ gpu: false, build: "never", logLevel: LlamaLogLevel.error });
  lib = loadLibllama(findLoadedLibllama()!);
  model = FfiModel.open(lib, join(dir, "m.gguf"));
  ctx = new FfiContext(lib, model, { contextSize: 256, threads: 1, batchSize: 8 });
});
after(async () => {
  ctx?.close();
  model?.close();
  await llama?.dispose();
  rmSync(dir, { recursive: true, force: true });
});

const same = (a: Float32Array, b: Float32Array) => a.every((x, i) => Math.abs(x - b[i]) < 1e-5);

test("the process has one libllama: the FFI binds the file node-llama-cpp loaded", () => {
  assert.match(lib.path, /node-llama-cpp|@node-llama-cpp/);
  const mapped = new Set(
    readFileSync("/proc/self/maps", "utf8")
      .split("\n")
      .map((l) => l.slice(l.indexOf("/")))
      .filter((p) => /\/libllama[^/]*\.so$/.test(p) && !p.includes("common")),
  );
  assert.deepEqual([...mapped], [lib.path], "one libllama mapped, the one bound");
  assert.equal(model.nEmbd, 32);
  assert.equal(model.nLayers, 3);
  assert.equal(model.nVocab, 259);
});

test("prompts longer than a batch are split, and all-position logits survive the split", async () => {
  const toks = model.tokenize("twenty-one tokens long");
  assert.ok(toks.length > 16, "spans three batches of 8");
  ctx.truncate(0);
  await ctx.evalTokens(toks, { allLogits: true });
  const all = toks.map((_, i) => ctx.logitsAt(i));
  for (const i of [0, 7, 8, 15, toks.length - 1]) {
    ctx.truncate(0);
    await ctx.evalTokens(toks.slice(0, i + 1));
    assert.ok(same(ctx.logitsAt(-1), all[i]), `position ${i}`);
  }
  assert.throws(() => ctx.logitsAt(0), /only the last position/);
});

test("truncate keeps the cached prefix: continuing from it equals evaluating afresh", async () => {
  const toks = model.tokenize("abcdef");
  ctx.truncate(0);
  await ctx.evalTokens(toks);
  const fresh = ctx.logitsAt(-1);
  ctx.truncate(3);
  assert.deepEqual(ctx.tokens, toks.slice(0, 3));
  await ctx.evalTokens(toks.slice(3));
  assert.ok(same(ctx.logitsAt(-1), fresh));
  ctx.truncate(0);
  assert.throws(() => ctx.logitsAt(-1), /had 0 tokens/);
});

test("a control vector set while a decode runs applies after it, never during it", async () => {
  const toks = model.tokenize("xy");
  const v = [undefined, new Float32Array(32).fill(1), new Float32Array(32).fill(-1)];
  ctx.truncate(0);
  await ctx.evalTokens(toks);
  const plain = ctx.logitsAt(-1);
  ctx.truncate(0);
  const running = ctx.evalTokens(toks); // on the worker thread now
  ctx.setControlVector(v, 2);
  await running;
  assert.ok(same(ctx.logitsAt(-1), plain), "the decode in flight was not steered");
  ctx.truncate(0);
  await ctx.evalTokens(toks);
  assert.ok(!same(ctx.logitsAt(-1), plain), "the next decode is");
  ctx.clearControlVector();
  assert.throws(() => ctx.setControlVector([new Float32Array(32)]), /cannot steer block 0/);
  assert.throws(() => ctx.setControlVector([undefined, new Float32Array(7)]), /n_embd is 32/);
});

test("the reusable prefix stops at the first different token and where the tokens were computed under another control vector or LoRA", async () => {
  const toks = model.tokenize("prefix-reuse");
  ctx.truncate(0);
  await ctx.evalTokens(toks);
  assert.equal(ctx.reusablePrefix(toks), toks.length - 1, "the last token is always evaluated again");
  assert.equal(ctx.reusablePrefix([...toks.slice(0, 4), 1, 2]), 4);
  assert.equal(ctx.reusablePrefix([...toks, 5, 6]), toks.length);
  ctx.setControlVector([undefined, new Float32Array(32).fill(0.5)]);
  assert.equal(ctx.reusablePrefix(toks), 0, "tokens computed without the vector are not reused with it");
  await ctx.evalTokens([7]);
  ctx.clearControlVector();
  assert.equal(ctx.reusablePrefix(toks), toks.length - 1, "cleared: the tokens computed without a vector count again");
  ctx.setLoras([]);
  assert.equal(ctx.reusablePrefix(toks), 0, "a LoRA change: nothing is reused");
  ctx.truncate(0);
  await ctx.evalTokens(toks);
  ctx.setControlVector([undefined, new Float32Array(32).fill(0.5)]);
  await ctx.evalTokens([7]);
  ctx.clearControlVector();
  const steered = [...toks, 7, 8];
  assert.equal(ctx.reusablePrefix(steered), toks.length, "unsteered: up to the steered token");
  ctx.setControlVector([undefined, new Float32Array(32).fill(0.5)]); // the same values in a new array
  assert.equal(ctx.reusablePrefix([...toks, 7]), 0, "the first tokens were computed without it");
  ctx.truncate(0);
  await ctx.evalTokens(toks);
  ctx.clearControlVector();
  ctx.setControlVector([undefined, new Float32Array(32).fill(0.5)]);
  assert.equal(ctx.reusablePrefix(toks), toks.length - 1, "the same vector set again: its tokens are reused");
  ctx.setControlVector([undefined, new Float32Array(32).fill(0.5)], 1.01);
  assert.equal(ctx.reusablePrefix(toks), 0, "another strength is another vector");
  ctx.setControlVector([undefined, new Float32Array(32).fill(0.5)], -1);
  assert.equal(ctx.reusablePrefix(toks), 0, "the opposite vector is another vector (every sign flipped)");
  ctx.clearControlVector();
  assert.equal(ctx.truncate(3), 3);
  assert.deepEqual(ctx.tokens, toks.slice(0, 3));
});
