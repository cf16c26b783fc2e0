import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { createRng, InputError } from "../../core/index.js";
import { tinyLlamaConfig, writeRandomLlamaModel } from "../../testing/index.js";
import type { ControlVector } from "../backend.js";
import { type LlamaBackend, openLlama } from "./llama-backend.js";

let dir: string;
let backend: LlamaBackend;
const D = 32;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), "ideasteer-llama-"));
  writeRandomLlamaModel(join(dir, "m.gguf"), {
    config: tinyLlamaConfig({ dModel: D, nLayers: 3, contextLength: 512 }),
    seed: 5, // a seed whose greedy continuations run to the budget (others hit <|im_end|> early)
  });
  backend = await openLlama({ modelPath: join(dir, "m.gguf"), contextSize: 512 });
});
after(async () => {
  await backend?.close();
  rmSync(dir, { recursive: true, force: true });
});

test("capabilities and shape", () => {
  assert.deepEqual(backend.capabilities, {
    chat: true,
    jsonSchema: true,
    embeddings: true,
    logits: true,
    steering: true,
    lora: true,
    tokenize: true,
    branches: true,
  });
  assert.deepEqual({ ...backend.info, contextSize: 0 }, { nEmbd: D, nLayers: 3, nVocab: 259, contextSize: 0 });
  assert.match(backend.name, /^llama:m\.gguf$/);
});

test("tokenize/detokenize round-trip any UTF-8, control tokens parsed only when asked", async () => {
  const text = "Ünïcode ✓ 🦙 <|im_start|>";
  const toks = await backend.tokenize(text);
  assert.equal(toks.at(-1), 257, "<|im_start|> is one control token");
  assert.equal(await backend.detokenize(toks.slice(0, -1)), "Ünïcode ✓ 🦙 ");
  const plain = await backend.tokenize(text, { special: false });
  assert.equal(plain.length, Buffer.byteLength(text), "byte-level vocab: one token per byte");
});

test("greedy completion is deterministic, spends the whole budget, and streams exactly its text", async () => {
  const chunks: string[] = [];
  const a = await backend.complete("Title:", { maxTokens: 24, onText: (c) => chunks.push(c) });
  const b = await backend.complete("Title:", { maxTokens: 24 });
  assert.equal(a.text, b.text);
  assert.equal(a.finishReason, "length");
  assert.deepEqual(a.usage, { promptTokens: 6, completionTokens: 24 });
  assert.equal(chunks.join(""), a.text);
  assert.ok(chunks.length > 1, "text arrives in pieces");
});

test("a stop sequence ends the completion before it, streamed text included", async () => {
  const full = await backend.complete("Method:", { maxTokens: 40 });
  const cut = [...full.text].slice(6, 9).join(""); // a stop taken from the text itself
  const chunks: string[] = [];
  const g = await backend.complete("Method:", { maxTokens: 40, stop: [cut], onText: (c) => chunks.push(c) });
  assert.equal(g.text, full.text.slice(0, full.text.indexOf(cut)));
  assert.equal(g.finishReason, "stop");
  assert.equal(chunks.join(""), g.text);
  assert.ok(g.usage.completionTokens < 40);
});

test("sampling is seeded: same seed same text, another seed another text", async () => {
  const opts = { maxTokens: 16, temperature: 1.2, topP: 0.95 };
  const a = await backend.complete("x", { ...opts, seed: 1 });
  const b = await backend.complete("x", { ...opts, seed: 1 });
  const c = await backend.complete("x", { ...opts, seed: 2 });
  assert.equal(a.text, b.text);
  assert.notEqual(a.text, c.text);
});

test("chat applies the model's ChatML template", async () => {
  const messages = [
    { role: "system" as const, content: "Be brief." },
    { role: "user" as const, content: "Propose an idea." },
  ];
  const g = await backend.chat(messages, { maxTokens: 12 });
  const manual =
    "<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nPropose an idea.<|im_end|>\n<|im_start|>assistant\n";
  const m = await backend.complete(manual, { maxTokens: 12 });
  assert.equal(g.usage.promptTokens, (await backend.tokenize(manual)).length);
  assert.equal(g.text, m.text);
});

test("JSON-schema output is valid JSON of that schema, whatever the random weights want", async () => {
  const schema = {
    type: "object",
    properties: { verdict: { enum: ["novel", "derivative"] }, feasible: { type: "boolean" } },
    required: ["verdict", "feasible"],
  };
  for (const sampling of [
    { temperature: 0 },
    { temperature: 1, seed: 1 },
    { temperature: 1, seed: 2 },
    { temperature: 1.5, seed: 3 },
  ]) {
    const g = await backend.chat([{ role: "user", content: "Judge." }], {
      maxTokens: 64,
      ...sampling,
      jsonSchema: schema,
    });
    const v = JSON.parse(g.text) as { verdict: unknown; feasible: unknown };
    assert.ok(["novel", "derivative"].includes(v.verdict as string), g.text);
    assert.equal(typeof v.feasible, "boolean");
    assert.deepEqual(Object.keys(v).sort(), ["feasible", "verdict"]);
  }
});

test("the step hook can stop, and can steer what follows from any token on", async () => {
  const three = await backend.generate("Idea:", {
    maxTokens: 30,
    onToken: (s) => (s.index === 2 ? "stop" : undefined),
  });
  assert.equal(three.tokens.length, 3);
  assert.equal(three.finishReason, "stop");

  const plain = await backend.generate("Idea:", { maxTokens: 20 });
  const rng = createRng(9);
  const v: ControlVector = [undefined, Float32Array.from({ length: D }, () => rng.normal())];
  const steered = await backend.generate("Idea:", {
    maxTokens: 20,
    onToken: (s) => (s.index === 4 ? backend.setControlVector(v, 8) : undefined),
  });
  backend.clearControlVector();
  // Set at index 4, the vector applies from the evaluation of token 4 on, so token 5 is the first it can change.
  assert.deepEqual(steered.tokens.slice(0, 5), plain.tokens.slice(0, 5), "tokens up to the change are the same");
  assert.notDeepEqual(steered.tokens.slice(5), plain.tokens.slice(5), "the steered continuation differs");
});

test("a repeated prompt reuses the cache; a steered one is computed afresh, never from stale keys", async () => {
  const prompt = "Experiment Plan:";
  const a = await backend.generate(prompt, { maxTokens: 12 });
  const b = await backend.generate(prompt, { maxTokens: 12 });
  assert.deepEqual(b.tokens, a.tokens);
  const rng = createRng(4);
  backend.setControlVector([undefined, undefined, Float32Array.from({ length: D }, () => rng.normal())], 6);
  const steered = await backend.generate(prompt, { maxTokens: 12 });
  await backend.resetContext();
  const fresh = await backend.generate(prompt, { maxTokens: 12 });
  backend.clearControlVector();
  assert.deepEqual(steered.tokens, fresh.tokens);
  assert.notDeepEqual(steered.tokens, a.tokens);
});

test("continuations decoded together write what each writes alone: their own seeds, budgets, stops and hooks", async () => {
  const prompt = "Method: we";
  const branches = [1, 2, 3, 4, 5].map((seed) => ({
    maxTokens: seed === 3 ? 4 : 14,
    temperature: 1,
    seed,
    onToken: seed === 2 ? (s: { index: number }) => (s.index === 5 ? ("stop" as const) : undefined) : undefined,
    signal: seed === 4 ? AbortSignal.abort() : undefined,
  }));
  const alone = [];
  for (const b of branches) alone.push(await backend.generate(prompt, b));
  const together = await backend.generateBranches(prompt, branches);
  assert.deepEqual(together, alone);
  assert.equal(new Set(alone.map((g) => g.text)).size, 5, "five different continuations");
  assert.equal(alone[3]?.finishReason, "abort", "one aborted before it began, alone");
  const ends = alone.map((g) => `${g.tokens.length} ${g.finishReason}`);
  assert.deepEqual(ends.slice(1, 3), ["6 stop", "4 length"], "branch 2 stopped by its hook, branch 3 by its budget");
  assert.ok(ends.includes("14 length"), `one runs to the whole budget: ${ends}`);
  const again = await backend.generate(prompt, branches[0] as (typeof branches)[0]);
  assert.deepEqual(again, alone[0], "the cache holds the prompt as before, nothing of the branches");
  // More than the context holds side by side: one after another, the same continuations.
  const long = branches.map((b) => ({ ...b, maxTokens: 200, signal: undefined }));
  const [wide, narrow] = [await backend.generateBranches("x", long), [] as unknown[]];
  for (const b of long) narrow.push(await backend.generate("x", b));
  assert.deepEqual(wide, narrow);
});

test("continuations decoded together are steered token by token as vectorFor asks, and the vector in force is back after", async () => {
  const rng = createRng(11);
  const v: ControlVector = [undefined, Float32Array.from({ length: D }, () => rng.normal() * 6)];
  const prompt = "Title:";
  // Steered while the text so far has an even length (odd for odd continuations): each switches at its own tokens.
  const vectorFor = (i: number, text: string) => ((text.length + i) % 2 === 0 ? v : null);
  const aloneOf = async (branches: { maxTokens: number; temperature: number; seed: number }[]) => {
    const alone = [];
    for (const [i, b] of branches.entries()) {
      backend.clearControlVector(); // the vector in force while the prompt is read
      alone.push(
        await backend.generate(prompt, {
          ...b,
          onToken: (s) => {
            const want = vectorFor(i, s.text);
            if (want) backend.setControlVector(want, 1);
            else backend.clearControlVector();
          },
        }),
      );
    }
    backend.clearControlVector();
    return alone;
  };
  const branches = [7, 8, 9, 10].map((seed) => ({ maxTokens: 16, temperature: 1, seed }));
  const plain = await backend.generateBranches(prompt, branches);
  const together = await backend.generateBranches(prompt, branches, vectorFor);
  assert.deepEqual(together, await aloneOf(branches));
  const long = branches.map((b) => ({ ...b, maxTokens: 300 })); // one per wave: continuation i is the wave's first
  assert.deepEqual(await backend.generateBranches(prompt, long, vectorFor), await aloneOf(long), "wave by wave too");
  assert.notDeepEqual(
    together.map((g) => g.tokens),
    plain.map((g) => g.tokens),
    "the vector changes what is written",
  );
  assert.deepEqual(await backend.generateBranches(prompt, branches), plain, "no vector in force after");
});

test("abort ends generation with finishReason abort", async () => {
  const ac = new AbortController();
  const g = await backend.complete("a", { maxTokens: 50, signal: ac.signal, onText: () => ac.abort() });
  assert.equal(g.finishReason, "abort");
  assert.ok(g.usage.completionTokens < 50);
});

test("concurrent calls queue on the one context and give the sequential answers", async () => {
  const seq = [await backend.complete("p", { maxTokens: 10 }), await backend.complete("q", { maxTokens: 10 })];
  const par = await Promise.all([backend.complete("p", { maxTokens: 10 }), backend.complete("q", { maxTokens: 10 })]);
  assert.deepEqual(
    par.map((g) => g.text),
    seq.map((g) => g.text),
  );
});

test("embeddings have the model's width and tell texts apart", async () => {
  const [a, b, a2] = await backend.embed(["novel method", "baseline study", "novel method"]);
  assert.equal(a.length, D);
  assert.deepEqual(a, a2);
  assert.notDeepEqual(a, b);
});

test("a missing model file is an InputError that says how to fix it", async () => {
  await assert.rejects(openLlama({ modelPath: join(dir, "nope.gguf") }), (e: unknown) => {
    assert.ok(e instanceof InputError);
    assert.match(String((e as InputError).hint), /llm\.modelPath/);
    return true;
  });
});

test("a context overflow is refused with the setting to change", async () => {
  await backend.resetContext();
  await assert.rejects(backend.evalTokens(new Array(600).fill(65)), /raise llm\.contextSize/);
});
