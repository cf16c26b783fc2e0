import assert from "node:assert/strict";
import { join } from "node:path";
import { test } from "node:test";
import { getLlama, LlamaLogLevel } from "node-llama-cpp";
import { CorruptFileError, createRng } from "../../core/index.js";
import { extractLlamaCppFiles, tempDir } from "../../testing/index.js";
import type { LlamaConfig } from "../llama-config.js";
import { BYTE_TO_CHAR } from "../tokenizer/byte-unicode.js";
import type { GgufTokenizer } from "./gguf-tokenizer.js";
import type { GgufTensorType } from "./gguf-types.js";
import { readLlamaGguf, writeLlamaGguf } from "./llama-gguf.js";
import { llamaTensorShapes } from "./llama-tensor-shapes.js";
import { writeLoraGguf } from "./lora-gguf.js";
import { readGguf } from "./read-gguf.js";

/** A byte-level gpt2 vocabulary: 256 byte tokens, merges for "he" and "hel", one control token. */
const TOKENIZER: GgufTokenizer = {
  model: "gpt2",
  pre: "qwen2",
  tokens: [...BYTE_TO_CHAR, "he", "hel", "<|end|>"],
  tokenTypes: [...new Array(258).fill(1), 3],
  merges: ["h e", "he l"],
  bosId: 258,
  eosId: 258,
  addBos: false,
};

const config = (o: Partial<LlamaConfig> = {}): LlamaConfig => ({
  vocabSize: TOKENIZER.tokens.length,
  dModel: 64,
  nLayers: 2,
  nHeads: 4,
  nKvHeads: 2,
  dFf: 80,
  contextLength: 64,
  ropeTheta: 10000,
  normEps: 1e-5,
  tiedEmbeddings: false,
  ...o,
});

function randomWeights(c: LlamaConfig, seed: number): Map<string, Float32Array> {
  const rng = createRng(seed);
  const w = new Map<string, Float32Array>();
  for (const [name, shape] of llamaTensorShapes(c)) {
    const n = shape.reduce((a, b) => a * b, 1);
    w.set(
      name,
      new Float32Array(n).map(() => (shape.length === 1 ? 1 + 0.1 * rng.normal() : 0.2 * rng.normal())),
    );
  }
  return w;
}

const maxAbsDiff = (a: Float32Array, b: Float32Array) => a.reduce((m, x, i) => Math.max(m, Math.abs(x - b[i])), 0);

test("writeLlamaGguf -> readLlamaGguf round trips config, tokenizer and weights (F32 exact, F16/Q8_0 close)", (t) => {
  const dir = tempDir(t);
  for (const [fileType, tol] of [
    ["F32", 0],
    ["F16", 2e-3],
    ["Q8_0", 1e-2],
  ] as [GgufTensorType, number][]) {
    for (const tiedEmbeddings of [false, true]) {
      const c = config({ tiedEmbeddings });
      const weights = randomWeights(c, 1);
      const path = join(dir, `m-${fileType}-${tiedEmbeddings}.gguf`);
      writeLlamaGguf(path, { config: c, weights, tokenizer: TOKENIZER, fileType, name: "tiny" });
      const back = readLlamaGguf(path);
      assert.deepEqual(back.config, c);
      assert.deepEqual(back.tokenizer, TOKENIZER);
      assert.deepEqual([...back.weights.keys()].sort(), [...weights.keys()].sort());
      for (const [name, w] of weights) {
        const d = maxAbsDiff(w, back.weights.get(name)!);
        assert.ok(d <= tol, `${fileType} ${name}: max diff ${d} > ${tol}`);
      }
      const types = new Map(readGguf(path).tensors.map((x) => [x.name, x.type]));
      assert.equal(types.get("blk.0.attn_norm.weight"), "F32"); // norms stay F32
      assert.equal(types.get("blk.0.attn_q.weight"), fileType);
      assert.equal(types.get("blk.0.ffn_down.weight"), fileType === "Q8_0" ? "F16" : fileType); // ne[0] = 80 fills no whole Q8_0 block
    }
  }
});

test("writeLlamaGguf refuses missing, misshapen or unknown weights; readLlamaGguf names a missing tensor", (t) => {
  const dir = tempDir(t);
  const c = config();
  const path = join(dir, "m.gguf");
  const w = randomWeights(c, 2);
  const write = (weights: Map<string, Float32Array>) => () =>
    writeLlamaGguf(path, { config: c, weights, tokenizer: TOKENIZER, fileType: "F32" });
  assert.throws(write(new Map([...w].filter(([k]) => k !== "output.weight"))), /lack output\.weight/);
  assert.throws(write(new Map([...w, ["blk.0.attn_q.weight", new Float32Array(3)]])), /attn_q.*3 values/);
  assert.throws(write(new Map([...w, ["blk.9.attn_q.weight", new Float32Array(3)]])), /not a llama tensor/);
  // a tied model's file read as untied: output.weight absent is fine; a missing block tensor is not
  writeLlamaGguf(path, { config: c, weights: w, tokenizer: TOKENIZER, fileType: "F32" });
  assert.ok(readLlamaGguf(path));
  const noTok = join(dir, "lora.gguf");
  writeLoraGguf(noTok, { baseConfig: c, alpha: 4, adapters: new Map() });
  assert.throws(() => readLlamaGguf(noTok), CorruptFileError);
});

async function greedy(
  modelPath: string,
  text: string,
  n: number,
  lora?: string,
): Promise<{ input: number[]; out: number[] }> {
  // getLlama caches its instance, so every test shares one llama.cpp (CPU only: tests run anywhere)
  const llama = await getLlama({ gpu: false, build: "never", logLevel: LlamaLogLevel.error });
  const model = await llama.loadModel({ modelPath });
  try {
    const ctx = await model.createContext({ contextSize: 64, threads: 1, ...(lora ? { lora } : {}) });
    const input = model.tokenize(text);
    const out: number[] = [];
    for await (const tok of ctx.getSequence().evaluate(input, { temperature: 0 })) {
      out.push(tok);
      if (out.length >= n) break;
    }
    await ctx.dispose();
    return { input, out };
  } finally {
    await model.dispose();
  }
}

test("a model written by writeLlamaGguf loads and runs in node-llama-cpp (F32, F16, Q8_0)", async (t) => {
  const dir = tempDir(t);
  const c = config({ dModel: 64, dFf: 128 });
  const weights = randomWeights(c, 3);
  for (const fileType of ["F32", "F16", "Q8_0"] as const) {
    const path = join(dir, `m-${fileType}.gguf`);
    writeLlamaGguf(path, { config: c, weights, tokenizer: TOKENIZER, fileType });
    const { input, out } = await greedy(path, "hello", 4);
    // "hel" merges into one token through "h e" then "he l"; llama.cpp applied our merges
    assert.deepEqual(input, [257, BYTE_TO_CHAR.indexOf("l"), BYTE_TO_CHAR.indexOf("o")]);
    assert.equal(out.length, 4, fileType);
    for (const tok of out) assert.ok(tok >= 0 && tok < c.vocabSize);
  }
});

test("a LoRA GGUF loads as an adapter in node-llama-cpp and changes what the model predicts", async (t) => {
  const dir = tempDir(t);
  const c = config();
  const base = join(dir, "base.gguf");
  writeLlamaGguf(base, { config: c, weights: randomWeights(c, 4), tokenizer: TOKENIZER, fileType: "F32" });
  const rng = createRng(5);
  const rank = 4;
  const adapters = new Map<string, { a: Float32Array; b: Float32Array; rank: number }>();
  for (const name of ["output.weight", "blk.1.ffn_down.weight", "blk.0.attn_q.weight"]) {
    const [nIn, nOut] = llamaTensorShapes(c).get(name)!;
    adapters.set(name, {
      rank,
      a: new Float32Array(rank * nIn).map(() => rng.normal()),
      b: new Float32Array(nOut * rank).map(() => rng.normal()),
    });
  }
  const lora = join(dir, "lora.gguf");
  writeLoraGguf(lora, { baseConfig: c, alpha: rank, adapters });
  const f = readGguf(lora);
  assert.equal(f.metadata["general.type"].value, "adapter");
  assert.deepEqual(
    f.tensors.filter((x) => x.name.startsWith("output")).map((x) => [x.name, x.shape]),
    [
      ["output.weight.lora_a", [c.dModel, rank]],
      ["output.weight.lora_b", [rank, c.vocabSize]],
    ],
  );
  const plain = await greedy(base, "hello world", 6);
  const adapted = await greedy(base, "hello world", 6, lora);
  assert.notDeepEqual(adapted.out, plain.out);
  assert.throws(
    () =>
      writeLoraGguf(lora, {
        baseConfig: c,
        alpha: 1,
        adapters: new Map([["output.weight", { rank: 2, a: new Float32Array(3), b: new Float32Array(3) }]]),
      }),
    /a has 3 values/,
  );
});

test("a model carrying the real Qwen2 tokenizer keys tokenizes like Qwen2 in node-llama-cpp", async (t) => {
  const files = extractLlamaCppFiles(t, ["models/ggml-vocab-qwen2.gguf"]);
  if (!files) return;
  const { tokenizerFromMetadata } = await import("./gguf-tokenizer.js");
  const tokenizer = tokenizerFromMetadata(readGguf(files[0]).metadata, files[0]);
  assert.equal(tokenizer.pre, "qwen2");
  assert.throws(() => readLlamaGguf(files[0]), /architecture is qwen2, not llama/);
  const c = config({ vocabSize: tokenizer.tokens.length, dModel: 32, nHeads: 2, nKvHeads: 1, dFf: 64, nLayers: 1 });
  const path = join(tempDir(t), "qwen-shaped.gguf");
  writeLlamaGguf(path, { config: c, weights: randomWeights(c, 6), tokenizer, fileType: "Q8_0" });
  assert.deepEqual(readLlamaGguf(path).tokenizer, tokenizer);
  const { input, out } = await greedy(path, "Hello world", 2);
  assert.deepEqual(input, [9707, 1879]);
  assert.equal(out.length, 2);
});
