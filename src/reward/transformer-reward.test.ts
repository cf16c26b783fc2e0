import assert from "node:assert/strict";
import { test } from "node:test";
import { SAMPLE_IDEA_TEXT } from "../testing/index.js";
import {
  createPrefixPredictor,
  loadTransformerRewardModel,
  PREFIX_SCORING_MAX_TEXTS,
  predictRaw,
  SHIPPED_TRANSFORMER_RM_DIR,
} from "./index.js";

const rm = loadTransformerRewardModel(SHIPPED_TRANSFORMER_RM_DIR);
const { model, tokenizer, heads } = rm.network;
const maxTokens = rm.file.maxTokens;

/** Best-of-K's texts: the idea so far, three candidate sentences after it, then the next round after the second. */
const sentences = SAMPLE_IDEA_TEXT.split(/(?<=[.!?\n])/);
const head = sentences.slice(0, 3).join("");
const candidates = [" We prune heads.", " A router picks experts per token.", " Gates learn sparsity."];
const texts = [
  head,
  ...candidates.map((c) => head + c),
  `${head}${candidates[1]} The next sentence follows.`,
  "", // scored as one padding token, as the batched path does
  SAMPLE_IDEA_TEXT.repeat(20), // cut at maxTokens
  head, // back to a prefix of what the cache holds
];

test("scoring through the KV cache gives the batched forward's predictions, text by text", () => {
  const cachedPath = createPrefixPredictor(model, tokenizer, heads, maxTokens);
  const batched = predictRaw(model, tokenizer, heads, texts, { maxTokens });
  texts.forEach((t, i) => {
    const got = cachedPath.predict(t);
    for (let k = 0; k < 3; k++) {
      const want = batched[i * 3 + k] as number;
      assert.ok(
        Math.abs((got[k] as number) - want) < 1e-4 * (1 + Math.abs(want)),
        `text ${i} head ${k}: ${got[k]} vs ${want}`,
      );
    }
  });
});

test("a round's texts read together (the part they share once, their own tokens as one batch) give the batched forward's predictions", () => {
  const p = createPrefixPredictor(model, tokenizer, heads, maxTokens);
  const n = (t: string) => tokenizer.encode(t).length;
  const close = (got: Float32Array, want: Float32Array, what: string) => {
    assert.equal(got.length, want.length);
    for (const [i, w] of want.entries())
      assert.ok(Math.abs((got[i] as number) - w) < 1e-4 * (1 + Math.abs(w)), `${what} [${i}]: ${got[i]} vs ${w}`);
  };
  const round = candidates.map((c) => head + c);
  close(p.predictMany(round), predictRaw(model, tokenizer, heads, round, { maxTokens }), "one round");
  assert.ok(p.tokensRun <= n(head) + candidates.reduce((a, c) => a + n(c) + 2, 0), `ran ${p.tokensRun} tokens`);
  // Texts with nothing in common, an empty one, one cut at maxTokens, and a text twice: still each its own.
  close(p.predictMany(texts), predictRaw(model, tokenizer, heads, texts, { maxTokens }), "unrelated texts");
  close(p.predictMany([head, head]), predictRaw(model, tokenizer, heads, [head, head], { maxTokens }), "twice");
  close(
    p.predict(round[1] as string),
    predictRaw(model, tokenizer, heads, [round[1] as string], { maxTokens }),
    "after",
  );
  assert.equal(p.predictMany([]).length, 0);
});

test("a text scores the same bits whatever was read before it or beside it (every pass runs the blocked GEMM)", () => {
  const idea = head + candidates[1];
  const short = "Title: X"; // fewer tokens than the GEMM takes as a block
  const batch = createPrefixPredictor(model, tokenizer, heads, maxTokens).predictMany([idea, short, "Method: Y"]);
  const [wantIdea, wantShort] = [[...batch.slice(0, 3)], [...batch.slice(3, 6)]];
  const p = createPrefixPredictor(model, tokenizer, heads, maxTokens);
  assert.deepEqual([...p.predictMany([short])], wantShort, "alone");
  assert.deepEqual([...p.predict(short)], wantShort, "again, from the cache");
  p.predict(head); // the cache holds the idea but its last sentence: a few tokens to run
  assert.deepEqual([...p.predict(idea)], wantIdea, "after its head");
  assert.deepEqual([...p.predictMany(candidates.map((c) => head + c))].slice(3, 6), wantIdea, "in a round");
  assert.deepEqual([...p.predictMany([idea])], wantIdea, "alone through predictMany");
});

test("a text that continues what the cache holds runs only its new tokens; the reward model takes this path for best-of-K's batches", async () => {
  const p = createPrefixPredictor(model, tokenizer, heads, maxTokens);
  const n = (t: string) => tokenizer.encode(t).length;
  p.predict(head);
  assert.equal(p.tokensRun, n(head));
  for (const c of candidates) p.predict(head + c);
  const run = p.tokensRun - n(head);
  const own = candidates.reduce((a, c) => a + n(c), 0);
  assert.ok(run <= own + 2 * candidates.length, `three candidates ran ${run} tokens; their own are ${own}`);
  assert.ok(run < n(head), "far fewer than reading the idea so far again for each");
  // Through the door: up to PREFIX_SCORING_MAX_TEXTS texts go through the cache, and score as the batched path does
  // (to the float rounding of another summation order, which may move a score across one reference point).
  const few = await rm.score(texts);
  const many = await rm.score(
    Array.from({ length: PREFIX_SCORING_MAX_TEXTS + 1 }, (_, i) => texts[i % texts.length] as string),
  );
  for (const [i, s] of few.entries())
    for (const [d, x] of Object.entries(s))
      assert.ok(Math.abs(x - (many[i]?.[d as keyof typeof s] as number)) < 2e-3, `text ${i} ${d}`);
});
