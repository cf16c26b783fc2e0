import assert from "node:assert/strict";
import { test } from "node:test";
import type { Scores } from "../idea/index.js";
import type { Generation, SamplingOptions } from "../llm/index.js";
import { generateBestOfK, selectionWeights } from "./index.js";

// A scripted server: the candidate's text names its seed; "novel" sentences score high on novelty, "plain" on
// feasibility. Each sentence round offers both kinds among its K candidates.
const calls: { prompt: string; s: SamplingOptions }[] = [];
const complete = async (prompt: string, s: SamplingOptions): Promise<Generation> => {
  calls.push({ prompt, s });
  const round = (prompt.match(/\./g) ?? []).length;
  const kind = calls.length % 2 === 0 ? "novel" : "plain"; // both kinds in every round
  const text = round >= 3 ? "" : `${kind} sentence ${s.seed}. And more text that is cut.`;
  return { text, finishReason: "stop", usage: { promptTokens: 10, completionTokens: 8 } };
};
/** Scores the last sentence: "novel" is novel, "plain" feasible. */
const score = async (texts: string[]): Promise<Scores[]> =>
  texts.map((t) => {
    const last =
      t
        .split(".")
        .filter((x) => x.trim())
        .at(-1) ?? "";
    const novel = last.includes("novel");
    return { novelty: novel ? 0.9 : 0.1, feasibility: novel ? 0.1 : 0.9, effectiveness: 0.5 };
  });

test("best-of-K keeps, sentence by sentence, the candidate the reward models score best under the weights, and counts what it spent", async () => {
  calls.length = 0;
  const novel = await generateBestOfK(
    complete,
    "P:",
    { k: 4, weights: { novelty: 1, feasibility: 0, effectiveness: 0 }, score },
    { maxTokens: 200, seed: 7 },
  );
  const sentences = novel.text.split(".").filter((x) => x.trim());
  assert.equal(sentences.length, 3, "cut at each sentence end; the fourth round came back empty and ended it");
  for (const s of sentences) assert.match(s, /novel/);
  assert.deepEqual(novel.cost, { k: 4, sentences: 4, calls: 16, generatedTokens: 128, scoredTexts: 16 });
  assert.equal(new Set(calls.map((c) => c.s.seed)).size, 16, "a seed per sentence and candidate");
  assert.ok(
    calls.every((c) => c.prompt.startsWith("P:")),
    "each candidate continues the prompt and the text kept",
  );

  const plain = await generateBestOfK(
    complete,
    "P:",
    { k: 4, weights: { novelty: 0, feasibility: 1, effectiveness: 0 }, score },
    { maxTokens: 200, seed: 7 },
  );
  for (const s of plain.text.split(".").filter((x) => x.trim())) assert.match(s, /plain/);
  const again = await generateBestOfK(
    complete,
    "P:",
    { k: 4, weights: { novelty: 0, feasibility: 1, effectiveness: 0 }, score },
    { maxTokens: 200, seed: 7 },
  );
  assert.equal(again.text, plain.text, "same seed, same text");

  await assert.rejects(
    generateBestOfK(
      complete,
      "P:",
      { k: 1000, weights: { novelty: 1, feasibility: 0, effectiveness: 0 }, score },
      { maxTokens: 200 },
    ),
    /K = 1000/,
  );
});

test("centred best-of-K trades dimensions: it keeps the sentence that leads on the dimension asked for, not the one that scores well on all", async () => {
  // Every round offers a sentence good on everything and one good on novelty alone.
  let n = 0;
  const offer = async (prompt: string, s: SamplingOptions): Promise<Generation> => {
    const round = (prompt.match(/\./g) ?? []).length;
    const kind = n++ % 2 === 0 ? "strong" : "novel";
    const text = round >= 3 ? "" : `${kind} sentence ${s.seed}. cut`;
    return { text, finishReason: "stop", usage: { promptTokens: 10, completionTokens: 8 } };
  };
  const byLast = async (texts: string[]): Promise<Scores[]> =>
    texts.map((t) =>
      (t.split(".").at(-2) ?? "").includes("strong")
        ? { novelty: 0.9, feasibility: 0.9, effectiveness: 0.6 }
        : { novelty: 0.8, feasibility: 0.2, effectiveness: 0.5 },
    );
  const weights = { novelty: 0.6, feasibility: 0.2, effectiveness: 0.2 };
  const run = (objective: "weighted" | "centred") =>
    generateBestOfK(offer, "P:", { k: 2, weights, score: byLast, objective }, { maxTokens: 200, seed: 3 });
  const kinds = (text: string) => text.match(/strong|novel/g) ?? [];
  assert.deepEqual(kinds((await run("weighted")).text), ["strong", "strong", "strong"], "w · r keeps the strong one");
  assert.deepEqual(kinds((await run("centred")).text), ["novel", "novel", "novel"], "(w − w̄) · r keeps the novel one");
  assert.deepEqual(
    selectionWeights({ novelty: 1 / 3, feasibility: 1 / 3, effectiveness: 1 / 3 }, "centred").map((x) => Math.abs(x)),
    [0, 0, 0],
    "equal weights prefer nothing",
  );
});
