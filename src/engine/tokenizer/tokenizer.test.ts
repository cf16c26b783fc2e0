import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { CorruptFileError, createRng, NotFoundError } from "../../core/index.js";
import { tempDir } from "../../testing/index.js";
import { BpeTokenizer } from "./bpe-tokenizer.js";
import { bytesToUnicode } from "./byte-unicode.js";
import { preTokenize } from "./pre-tokenize.js";
import { loadTokenizer, saveTokenizer } from "./tokenizer-file.js";
import { trainBpe } from "./train-bpe.js";
import { wtf8Decode, wtf8Encode } from "./wtf8.js";

const SPECIAL = ["<|paper|>", "<|idea|>", "<|end|>"];
const CORPUS = [
  "We propose a transformer model for the reconstruction of 3D scenes from a single image.",
  "The model's depth estimation generalises; we don't retrain it. Results: 12.5% better than 2023's baseline.",
  "Naïve Bayes, café, façade — déjà vu: ünïcödé text with accents, 日本語のテキスト, and emoji 🦙🚀.",
  "Transformers transform tokens; the transformer transforms the transformed representation again.",
  "<|end|> appears in the corpus as plain text <|end|> many times <|end|><|end|>",
];
const corpus = (copies: number) => Array.from({ length: copies }, (_, i) => `${CORPUS[i % CORPUS.length]} ${i}`);

test("WTF-8 encodes valid text like TextEncoder and round trips lone surrogates", () => {
  for (const s of ["", "abc", "é", "日本", "🦙", "\u0000", "a\uFFFFb"]) {
    assert.deepEqual(wtf8Encode(s), new TextEncoder().encode(s));
    assert.equal(wtf8Decode(wtf8Encode(s)), s);
  }
  for (const s of ["\uD800", "x\uDC00y", "\uDBFF\uD800", "\uDC00\uD800"]) assert.equal(wtf8Decode(wtf8Encode(s)), s);
  assert.equal(wtf8Decode(Uint8Array.of(0xff, 0x41, 0xe6, 0x97)), "\uFFFDA\uFFFD\uFFFD");
});

test("pre-tokenizer follows the qwen2 split: contractions, single digits, letter runs with one leading mark", () => {
  assert.deepEqual(preTokenize("Hello world's 2023 tests!!\n\n  ok"), [
    "Hello",
    " world",
    "'s",
    " ",
    "2",
    "0",
    "2",
    "3",
    " tests",
    "!!\n\n",
    " ",
    " ok",
  ]);
  assert.deepEqual(preTokenize("(a) x  \ty"), ["(a", ")", " x", "  ", "\ty"]);
  assert.equal(preTokenize("any text at all 🦙 \u0000 \uD800").join(""), "any text at all 🦙 \u0000 \uD800");
});

test("trained tokenizer: exact vocabulary size, deterministic, compresses, special tokens never merged", async () => {
  const texts = corpus(200);
  const tok = await trainBpe({ texts, vocabSize: 400, specialTokens: SPECIAL });
  assert.equal(tok.vocabSize, 400);
  const again = await trainBpe({ texts, vocabSize: 400, specialTokens: SPECIAL });
  assert.deepEqual(again.toJSON(), tok.toJSON());
  const bytes = texts.reduce((a, t) => a + Buffer.byteLength(t), 0);
  const ids = texts.reduce((a, t) => a + tok.encode(t).length, 0);
  assert.ok(ids < bytes / 2, `${ids} tokens for ${bytes} bytes`);
  // Special tokens: ids at the end, produced only on request, never by merges.
  assert.deepEqual(
    SPECIAL.map((s) => tok.tokenId(s)),
    [397, 398, 399],
  );
  const end = tok.tokenId("<|end|>");
  const plain = tok.encode("a <|end|> b");
  assert.ok(!plain.includes(end));
  assert.equal(tok.decode(plain), "a <|end|> b");
  const special = tok.encode("a <|end|> b<|paper|>", { allowSpecial: true });
  assert.ok(special.includes(end) && special.includes(tok.tokenId("<|paper|>")));
  assert.equal(tok.decode(special), "a <|end|> b<|paper|>");
  for (let id = 0; id < tok.vocabSize - SPECIAL.length; id++) {
    assert.ok(
      !SPECIAL.includes(Buffer.from(tok.tokenBytes(id)).toString("latin1")),
      `token ${id} spells a special token`,
    );
  }
  assert.throws(() => tok.tokenId("<|nope|>"), NotFoundError);
});

test("encode -> decode is exact on any text: random Unicode, emoji, NUL, lone surrogates", async () => {
  const tok = await trainBpe({ texts: corpus(100), vocabSize: 350, specialTokens: SPECIAL });
  const rng = createRng(7);
  const pools = [
    () => rng.int(0x80),
    () => 0x80 + rng.int(0x780),
    () => 0x800 + rng.int(0xf800),
    () => 0x10000 + rng.int(0x100000),
    () => [0, 0x0a, 0x0d, 0x20, 0x27, 0x3c, 0x7c, 0x1f999, 0x200d, 0xfe0f][rng.int(10)],
  ];
  for (let k = 0; k < 300; k++) {
    const units: number[] = [];
    const n = rng.int(40);
    for (let i = 0; i < n; i++) {
      const cp = pools[rng.int(pools.length)]();
      if (cp >= 0x10000) units.push(0xd800 + ((cp - 0x10000) >> 10), 0xdc00 + ((cp - 0x10000) & 0x3ff));
      else units.push(cp); // includes lone surrogates from the 0x800-0xFFFF pool
    }
    const s = String.fromCharCode(...units);
    assert.equal(tok.decode(tok.encode(s)), s, JSON.stringify(s));
    assert.equal(tok.decode(tok.encode(s, { allowSpecial: true })), s);
  }
  for (const s of ["", " ", "\u0000\u0000", "👩‍👩‍👧‍👦 family", "a".repeat(5000), "<|idea|>x<|end|>"]) {
    assert.equal(tok.decode(tok.encode(s, { allowSpecial: true })), s);
  }
  assert.throws(() => tok.decode([tok.vocabSize]), /outside the vocabulary/);
});

test("training accepts async iterables and reports progress", async () => {
  async function* gen() {
    for (const t of corpus(50)) yield t;
  }
  const seen = new Set<string>();
  const tok = await trainBpe({
    texts: gen(),
    vocabSize: 300,
    specialTokens: SPECIAL,
    onProgress: (p) => seen.add(p.phase),
  });
  assert.equal(tok.vocabSize, 300);
  assert.deepEqual([...seen].sort(), ["count", "merge"]);
  await assert.rejects(trainBpe({ texts: [], vocabSize: 100, specialTokens: SPECIAL }), /at least 256/);
});

test("save/load round trip; damaged files raise CorruptFileError", async (t) => {
  const dir = tempDir(t);
  const tok = await trainBpe({ texts: corpus(100), vocabSize: 330, specialTokens: SPECIAL });
  const path = join(dir, "tok.json");
  saveTokenizer(path, tok);
  const back = loadTokenizer(path);
  assert.deepEqual(back.toJSON(), tok.toJSON());
  assert.equal(back.vocabSize, tok.vocabSize);
  for (const s of CORPUS)
    assert.deepEqual(back.encode(s, { allowSpecial: true }), tok.encode(s, { allowSpecial: true }));
  writeFileSync(path, '{"format":"ideasteer-bpe","ver');
  assert.throws(() => loadTokenizer(path), CorruptFileError);
  writeFileSync(path, JSON.stringify({ ...tok.toJSON(), merges: ["x"] }));
  assert.throws(() => loadTokenizer(path), /merge 0/);
  writeFileSync(path, JSON.stringify({ ...tok.toJSON(), pre: "gpt2" }));
  assert.throws(() => loadTokenizer(path), /pre-tokenizer/);
});

test("a merge that rebuilds an existing token reuses it (a+bc and ab+c give one token)", () => {
  const [a, b, c] = [0x61, 0x62, 0x63];
  // merges: a b -> ab (256), b c -> bc (257), ab c -> abc (258), a bc -> abc again
  const tok = new BpeTokenizer(
    [
      [a, b],
      [b, c],
      [256, c],
      [a, 257],
    ],
    ["<|end|>"],
  );
  assert.equal(tok.vocabSize, 256 + 3 + 1);
  assert.deepEqual(tok.encode("abc"), [258]);
  assert.deepEqual(tok.encode("bc"), [257]);
  const gguf = tok.toGgufTokenizer();
  assert.equal(gguf.tokens.length, tok.vocabSize);
  assert.equal(new Set(gguf.tokens).size, gguf.tokens.length);
  assert.deepEqual(gguf.merges, ["a b", "b c", "ab c", "a bc"]);
  assert.equal(gguf.eosId, 259);
  assert.equal(gguf.tokenTypes[259], 3);
});

test("long pre-tokens (heap path) merge exactly like a plain reference BPE over the saved merges", async () => {
  const tok = await trainBpe({ texts: corpus(200), vocabSize: 420, specialTokens: SPECIAL });
  const json = tok.toJSON();
  const rank = new Map(json.merges.map((m, i) => [m, i]));
  // reference: symbols are GGUF-style token strings; merge the lowest-ranked pair, leftmost first
  const reference = (word: string): string[] => {
    const sym = [...bytesToUnicode(new TextEncoder().encode(word))];
    for (;;) {
      let best = -1;
      let bestRank = Number.POSITIVE_INFINITY;
      for (let i = 0; i + 1 < sym.length; i++) {
        const r = rank.get(`${sym[i]} ${sym[i + 1]}`);
        if (r !== undefined && r < bestRank) [best, bestRank] = [i, r];
      }
      if (best < 0) return sym;
      sym.splice(best, 2, sym[best] + sym[best + 1]);
    }
  };
  const rng = createRng(3);
  const letters = "transformersmodeltheanda";
  for (let k = 0; k < 50; k++) {
    const word = Array.from({ length: 20 + rng.int(200) }, () => letters[rng.int(letters.length)]).join("");
    const ours = tok.encode(word).map((id) => bytesToUnicode(tok.tokenBytes(id)));
    assert.deepEqual(ours, reference(word), word);
  }
});
