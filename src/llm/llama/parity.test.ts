import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { createRng } from "../../core/index.js";
import type { LlamaConfig } from "../../engine/index.js";
import { dequantizeQ8_0, quantizeQ8_0, writeLoraGguf } from "../../engine/index.js";
import {
  type RandomLlamaModel,
  referenceForward,
  tinyLlamaConfig,
  writeRandomLlamaModel,
} from "../../testing/index.js";
import type { ControlVector } from "../backend.js";
import { type LlamaBackend, openLlama } from "./llama-backend.js";

// Logits from llama.cpp (F32 weights, F32 KV cache, no flash attention) against the float64 reference.
const TOLERANCE = 1e-4;
const GQA: Omit<LlamaConfig, "vocabSize"> = tinyLlamaConfig({ nLayers: 3 });
const TEXT = "Steer novelty, feasibility and effectiveness.";

let dir: string;
let model: RandomLlamaModel;
let backend: LlamaBackend;
let tokens: number[];

before(async () => {
  dir = mkdtempSync(join(tmpdir(), "ideasteer-parity-"));
  model = writeRandomLlamaModel(join(dir, "gqa.gguf"), { config: GQA, seed: 11 });
  backend = await openLlama({ modelPath: join(dir, "gqa.gguf"), contextSize: 256 });
  tokens = await backend.tokenize(TEXT);
});
after(async () => {
  await backend?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function llamaLogits(b: LlamaBackend, toks: number[]): Promise<Float32Array[]> {
  await b.resetContext();
  await b.evalTokens(toks, { allLogits: true });
  return toks.map((_, i) => b.logitsAt(i));
}

function maxAbsDiff(a: ArrayLike<number>[], b: ArrayLike<number>[]): number {
  assert.equal(a.length, b.length);
  let d = 0;
  a.forEach((row, t) => {
    assert.equal(row.length, b[t].length);
    for (let i = 0; i < row.length; i++) d = Math.max(d, Math.abs(row[i] - b[t][i]));
  });
  return d;
}

function randomVector(n: number, seed: number): Float32Array {
  const rng = createRng(seed);
  return Float32Array.from({ length: n }, () => rng.normal());
}

const STEER: ControlVector = [undefined, randomVector(GQA.dModel, 1), randomVector(GQA.dModel, 2)];

test("plain logits match the float64 reference at every position (GQA, untied head)", async () => {
  assert.ok(tokens.length >= 40, "the text spans enough positions to exercise RoPE");
  const got = await llamaLogits(backend, tokens);
  const ref = referenceForward(model, tokens).logits;
  const d = maxAbsDiff(got, ref);
  assert.ok(d < TOLERANCE, `max |diff| ${d}`);
  const spread = Math.max(...ref[5]) - Math.min(...ref[5]);
  assert.ok(spread > 1, `logits are not degenerate (spread ${spread})`);
});

test("tied embeddings and plain multi-head attention also match", async () => {
  const path = join(dir, "tied.gguf");
  const tied = writeRandomLlamaModel(path, {
    config: { ...GQA, dModel: 64, nLayers: 2, nHeads: 4, nKvHeads: 4, dFf: 96, tiedEmbeddings: true },
    seed: 5,
  });
  const b = await openLlama({ modelPath: path, contextSize: 128 });
  try {
    const toks = tokens.slice(0, 16);
    const d = maxAbsDiff(await llamaLogits(b, toks), referenceForward(tied, toks).logits);
    assert.ok(d < TOLERANCE, `max |diff| ${d}`);
  } finally {
    await b.close();
  }
});

test("a control vector matches the reference, and clearing it restores the plain logits", async () => {
  const plain = await llamaLogits(backend, tokens);
  backend.setControlVector(STEER, 0.5);
  const steered = await llamaLogits(backend, tokens);
  backend.clearControlVector();
  const ref = referenceForward(model, tokens, { controlVector: STEER, strength: 0.5 }).logits;
  assert.ok(maxAbsDiff(steered, ref) < TOLERANCE, `max |diff| ${maxAbsDiff(steered, ref)}`);
  assert.ok(maxAbsDiff(steered, plain) > 0.05, "the control vector changes the logits");
  assert.ok(maxAbsDiff(await llamaLogits(backend, tokens), plain) < 1e-6, "clear restores the plain model");
});

test("a control vector changed between tokens matches per-position steering", async () => {
  const strengths = tokens.slice(0, 12).map((_, i) => [0, 0.5, -1, 2][i % 4]);
  await backend.resetContext();
  const got: Float32Array[] = [];
  for (let i = 0; i < strengths.length; i++) {
    if (strengths[i] === 0) backend.clearControlVector();
    else backend.setControlVector(STEER, strengths[i]);
    await backend.evalTokens([tokens[i]]);
    got.push(backend.logitsAt(-1));
  }
  backend.clearControlVector();
  const ref = referenceForward(model, tokens.slice(0, 12), {
    controlVector: STEER,
    strength: (p) => strengths[p],
  }).logits;
  assert.ok(maxAbsDiff(got, ref) < TOLERANCE, `max |diff| ${maxAbsDiff(got, ref)}`);
});

test("a live LoRA adapter matches W + scale·(alpha/rank)·B·A, and removing it restores the base", async () => {
  const rank = 3;
  const adapters = new Map([
    ["blk.0.attn_q.weight", { a: randomVector(rank * 32, 3), b: randomVector(32 * rank, 4), rank }],
    ["blk.1.attn_v.weight", { a: randomVector(rank * 32, 5), b: randomVector(16 * rank, 6), rank }],
    ["blk.2.ffn_down.weight", { a: randomVector(rank * 64, 7), b: randomVector(32 * rank, 8), rank }],
    ["output.weight", { a: randomVector(rank * 32, 9), b: randomVector(model.config.vocabSize * rank, 10), rank }],
  ]);
  for (const ad of adapters.values()) for (let i = 0; i < ad.a.length; i++) ad.a[i] *= 0.1;
  const path = join(dir, "lora.gguf");
  writeLoraGguf(path, { baseConfig: model.config, alpha: 6, adapters });
  const plain = await llamaLogits(backend, tokens);
  const id = await backend.addLora(path, 0.7);
  try {
    const got = await llamaLogits(backend, tokens);
    const ref = referenceForward(model, tokens, { loras: [{ alpha: 6, scale: 0.7, adapters }] }).logits;
    assert.ok(maxAbsDiff(got, ref) < TOLERANCE, `max |diff| ${maxAbsDiff(got, ref)}`);
    assert.ok(maxAbsDiff(got, plain) > 0.05, "the adapter changes the logits");
    backend.setLoraScale(id, -0.3);
    const rescaled = await llamaLogits(backend, tokens);
    const ref2 = referenceForward(model, tokens, { loras: [{ alpha: 6, scale: -0.3, adapters }] }).logits;
    assert.ok(maxAbsDiff(rescaled, ref2) < TOLERANCE, "a new scale applies on the live context");
  } finally {
    backend.removeLora(id);
  }
  assert.ok(maxAbsDiff(await llamaLogits(backend, tokens), plain) < 1e-6, "removal restores the base model");
});

test("captured hidden states are each block's output, control vector included", async () => {
  const toks = tokens.slice(0, 10);
  backend.setControlVector(STEER, 0.8);
  const layers = await backend.captureHiddenStates(TEXT.slice(0, 10));
  backend.clearControlVector();
  const ref = referenceForward(model, toks, { controlVector: STEER, strength: 0.8 }).hidden;
  assert.equal(layers.length, GQA.nLayers);
  for (let il = 0; il < GQA.nLayers; il++) {
    assert.equal(layers[il].length, toks.length * GQA.dModel);
    const rows = toks.map((_, p) => layers[il].subarray(p * GQA.dModel, (p + 1) * GQA.dModel));
    const d = maxAbsDiff(rows, ref[il]);
    assert.ok(d < TOLERANCE, `layer ${il}: max |diff| ${d}`);
  }
  const plain = await backend.captureHiddenStates(TEXT.slice(0, 10));
  assert.ok(Math.abs(plain[1][1] - layers[1][1] + 0.8 * STEER[1]![1]) < 1e-4, "layer 1 differs by exactly the vector");
});

test("quantised weights and an F16 KV cache stay close to the reference of the weights they store", async () => {
  const path = join(dir, "q8.gguf");
  const q8 = writeRandomLlamaModel(path, { config: GQA, seed: 11, fileType: "Q8_0" });
  // The reference runs on the weights as stored: matrices through Q8_0 and back, norms in F32.
  const stored = new Map(
    [...q8.weights].map(([name, w]) => [
      name,
      name.endsWith("norm.weight") ? w : dequantizeQ8_0(quantizeQ8_0(w), w.length),
    ]),
  );
  const ref = referenceForward({ config: q8.config, weights: stored }, tokens.slice(0, 12)).logits;
  const b = await openLlama({ modelPath: path, contextSize: 128, kvCache: "f16" });
  try {
    // llama.cpp also rounds activations to 8 bits for Q8_0 products: close, not exact.
    const d = maxAbsDiff(await llamaLogits(b, tokens.slice(0, 12)), ref);
    assert.ok(d < 0.05, `max |diff| ${d}`);
  } finally {
    await b.close();
  }
});
