import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { type GgufTokenizer, type GgufValue, readGguf } from "../../engine/index.js";
import { tempDir, tinyLlamaConfig, writeRandomLlamaModel } from "../../testing/index.js";
import { openLlama } from "./llama-backend.js";
import { extractFromLlamaBundle } from "./llama-bundle.js";

const VOCAB = "models/ggml-vocab-qwen2.gguf";

/** The tokenizer.* keys of a llama.cpp vocab file, as a GgufTokenizer. */
function tokenizerOf(path: string): GgufTokenizer {
  const md = readGguf(path).metadata;
  const get = (k: string): GgufValue => {
    const v = md[k];
    if (v === undefined) throw new Error(`${path} lacks ${k}`);
    return v;
  };
  const arr = <T>(k: string) => get(k).value as T[];
  const num = (k: string) => Number(get(k).value);
  return {
    model: String(get("tokenizer.ggml.model").value),
    pre: String(get("tokenizer.ggml.pre").value),
    tokens: arr<string>("tokenizer.ggml.tokens"),
    tokenTypes: arr<number>("tokenizer.ggml.token_type"),
    merges: arr<string>("tokenizer.ggml.merges"),
    bosId: num("tokenizer.ggml.bos_token_id"),
    eosId: num("tokenizer.ggml.eos_token_id"),
    padId: num("tokenizer.ggml.padding_token_id"),
    chatTemplate: String(get("tokenizer.chat_template").value),
  };
}

/** llama.cpp's test-tokenizer-0 format: inputs split by a marker line, one line of ids per input. */
function readVectors(inp: string, out: string): { text: string; ids: number[] }[] {
  const texts = readFileSync(inp, "utf8").split("\n__ggml_vocab_test__\n");
  if (texts.at(-1) === "") texts.pop();
  const lines = readFileSync(out, "utf8").split("\n");
  if (lines.at(-1) === "") lines.pop();
  assert.equal(texts.length, lines.length, "as many inputs as outputs");
  return texts.map((text, i) => ({ text, ids: lines[i].trim() ? lines[i].trim().split(" ").map(Number) : [] }));
}

test("a random-weight model with the real Qwen2 tokenizer: test vectors, ChatML template, JSON under a grammar", async (t) => {
  const dir = tempDir(t, "ideasteer-qwen2-");
  const got = extractFromLlamaBundle({ dir, paths: [VOCAB, `${VOCAB}.inp`, `${VOCAB}.out`] });
  if (!got.ok) return t.skip(got.why);
  const tokenizer = tokenizerOf(join(dir, VOCAB));
  assert.equal(tokenizer.tokens.length, 151936);
  const modelPath = join(dir, "qwen2-tiny.gguf");
  writeRandomLlamaModel(modelPath, {
    config: tinyLlamaConfig({
      nHeads: 2,
      nKvHeads: 1,
      contextLength: 512,
      ropeTheta: 1e6,
      normEps: 1e-6,
      tiedEmbeddings: true,
    }),
    seed: 7,
    tokenizer,
  });
  const b = await openLlama({ modelPath, contextSize: 512 });
  try {
    const vectors = readVectors(join(dir, `${VOCAB}.inp`), join(dir, `${VOCAB}.out`));
    assert.ok(vectors.length >= 40);
    for (const v of vectors) {
      assert.deepEqual(await b.tokenize(v.text, { special: false }), v.ids, JSON.stringify(v.text));
    }

    const g = await b.chat([{ role: "user", content: "Propose a follow-up idea." }], { maxTokens: 8 });
    const chatml =
      "<|im_start|>system\nYou are a helpful assistant<|im_end|>\n" +
      "<|im_start|>user\nPropose a follow-up idea.<|im_end|>\n<|im_start|>assistant\n";
    const manual = await b.tokenize(chatml);
    assert.equal(manual.filter((id) => id === tokenizer.tokens.indexOf("<|im_start|>")).length, 3);
    assert.equal(g.usage.promptTokens, manual.length);
    assert.equal(g.text, (await b.generate(manual, { maxTokens: 8 })).text);

    const schema = {
      type: "object",
      properties: {
        novelty: { type: "integer" },
        rationale: { type: "string", maxLength: 40 },
      },
      required: ["novelty", "rationale"],
    };
    const j = await b.chat([{ role: "user", content: "Score the idea as JSON." }], {
      maxTokens: 96,
      temperature: 0.7,
      seed: 4,
      jsonSchema: schema,
    });
    // node-llama-cpp's schema grammars enforce types, enums and string lengths, not numeric ranges.
    const parsed = JSON.parse(j.text) as { novelty: number; rationale: string };
    assert.ok(Number.isInteger(parsed.novelty), j.text);
    assert.equal(typeof parsed.rationale, "string");
    assert.ok(parsed.rationale.length <= 40);
  } finally {
    await b.close();
  }
});
