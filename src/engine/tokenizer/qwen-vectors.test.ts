import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { extractLlamaCppFiles } from "../../testing/index.js";
import { readGguf } from "../gguf/index.js";
import { BpeTokenizer } from "./bpe-tokenizer.js";
import { bytesToUnicode } from "./byte-unicode.js";
import { PRE_TOKENIZER } from "./pre-tokenize.js";

/**
 * Our pre-tokenizer and merge order against llama.cpp's own test vectors for the real Qwen2
 * tokenizer (models/ggml-vocab-qwen2.gguf.inp/.out): the same "qwen2" split and byte-level BPE we
 * use for our own vocabularies.
 */
test("pre-tokenizer + BPE reproduce llama.cpp's Qwen2 tokenizer test vectors", (t) => {
  const files = extractLlamaCppFiles(t, [
    "models/ggml-vocab-qwen2.gguf",
    "models/ggml-vocab-qwen2.gguf.inp",
    "models/ggml-vocab-qwen2.gguf.out",
  ]);
  if (!files) return;
  const md = readGguf(files[0]).metadata;
  const tokens = md["tokenizer.ggml.tokens"].value as string[];
  const merges = md["tokenizer.ggml.merges"].value as string[];
  assert.equal(md["tokenizer.ggml.pre"].value, PRE_TOKENIZER);
  const ours = BpeTokenizer.fromJSON({
    format: "ideasteer-bpe",
    version: 1,
    pre: PRE_TOKENIZER,
    merges,
    specialTokens: [],
  });
  const qwenId = new Map(tokens.map((s, i) => [s, i]));
  const toQwen = (id: number) => {
    const q = qwenId.get(bytesToUnicode(ours.tokenBytes(id)));
    assert.ok(q !== undefined, `token ${id} not in the Qwen2 vocabulary`);
    return q;
  };
  const inputs = readFileSync(files[1], "utf8").split("\n__ggml_vocab_test__\n");
  const outputs = readFileSync(files[2], "utf8").split("\n");
  assert.ok(inputs.length >= 40);
  inputs.forEach((text, i) => {
    const want = outputs[i].trim() === "" ? [] : outputs[i].trim().split(" ").map(Number);
    const got = ours.encode(text).map(toQwen);
    assert.deepEqual(got, want, `vector ${i}: ${JSON.stringify(text)}`);
    assert.equal(ours.decode(ours.encode(text)), text);
  });
});
