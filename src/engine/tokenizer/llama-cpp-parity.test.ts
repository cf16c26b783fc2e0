import assert from "node:assert/strict";
import { createReadStream } from "node:fs";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { test } from "node:test";
import { createGunzip } from "node:zlib";
import { getLlama, LlamaLogLevel } from "node-llama-cpp";
import { createRng } from "../../core/index.js";
import { requireSharedData, sharedPath, tempDir } from "../../testing/index.js";
import { llamaTensorShapes, writeLlamaGguf } from "../gguf/index.js";
import type { LlamaConfig } from "../llama-config.js";
import { trainBpe } from "./train-bpe.js";

async function readAbstracts(n: number): Promise<string[]> {
  const out: string[] = [];
  const lines = createInterface({ input: createReadStream(sharedPath("papers.jsonl.gz")).pipe(createGunzip()) });
  for await (const line of lines) {
    const abstract = (JSON.parse(line) as { abstract?: string }).abstract;
    if (abstract) out.push(abstract);
    if (out.length >= n) break;
  }
  lines.close();
  return out;
}

test("llama.cpp tokenizes a GGUF carrying our tokenizer exactly like encode(), on real abstracts", async (t) => {
  if (!requireSharedData(t)) return;
  const abstracts = await readAbstracts(2400);
  const tok = await trainBpe({
    texts: abstracts.slice(0, 2000),
    vocabSize: 2048,
    specialTokens: ["<|paper|>", "<|idea|>", "<|end|>"],
  });
  const c: LlamaConfig = {
    vocabSize: tok.vocabSize,
    dModel: 32,
    nLayers: 1,
    nHeads: 2,
    nKvHeads: 2,
    dFf: 64,
    contextLength: 64,
    ropeTheta: 10000,
    normEps: 1e-5,
    tiedEmbeddings: true,
  };
  const rng = createRng(1);
  const weights = new Map(
    [...llamaTensorShapes(c)].map(([k, s]) => [
      k,
      new Float32Array(s.reduce((a, b) => a * b, 1)).map(() => 0.1 * rng.normal()),
    ]),
  );
  const path = join(tempDir(t), "tok.gguf");
  writeLlamaGguf(path, { config: c, weights, tokenizer: tok.toGgufTokenizer(), fileType: "F32" });
  const llama = await getLlama({ gpu: false, build: "never", logLevel: LlamaLogLevel.error });
  const model = await llama.loadModel({ modelPath: path });
  try {
    const held = [
      ...abstracts.slice(2000),
      "Edge cases: it's THEY'RE we'll  double  spaces\t\ttabs\r\nCRLF\n\n\nnewlines   ",
      "Numbers 3.14159, 1e-5, 2,048 tokens; unicode ∑ α β γ → ∞, 日本語, emoji 🦙🚀, NUL \u0000 end",
      "Text that spells <|end|> and <|paper|> without being special.",
    ];
    let tokens = 0;
    for (const text of held) {
      const ours = tok.encode(text);
      const theirs = [...model.tokenize(text)].map(Number);
      assert.deepEqual(theirs, ours, `differs on ${JSON.stringify(text.slice(0, 80))}`);
      assert.equal(model.detokenize(model.tokenize(text)), text);
      tokens += ours.length;
    }
    assert.ok(tokens > 20_000, `only ${tokens} tokens compared`);
    const withSpecial = "<|paper|>Some abstract.<|idea|>An idea.<|end|>";
    assert.deepEqual(
      [...model.tokenize(withSpecial, true)].map(Number),
      tok.encode(withSpecial, { allowSpecial: true }),
    );
  } finally {
    await model.dispose();
  }
});
