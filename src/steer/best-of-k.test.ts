import assert from "node:assert/strict";
import { test } from "node:test";
import type { Scores } from "../idea/index.js";
import type { Generation, SamplingOptions } from "../llm/index.js";
import { PREFIX_SCORING_MAX_TEXTS } from "../reward/index.js";
import { BEST_OF_K_LIMITS, type BestOfKObjective, generateBestOfK, selectionWeights, writable } from "./index.js";

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

/** A scripted server offering sentences of kinds a and b in turn, 3 rounds; scores read the last sentence's kind. */
function twoKinds(a: string, b: string, scores: Record<string, Scores>) {
  let n = 0;
  const offer = async (prompt: string, s: SamplingOptions): Promise<Generation> => {
    const round = (prompt.match(/\./g) ?? []).length;
    const kind = n++ % 2 === 0 ? a : b;
    const text = round >= 3 ? "" : `${kind} sentence ${s.seed}. cut`;
    return { text, finishReason: "stop", usage: { promptTokens: 10, completionTokens: 8 } };
  };
  const score = async (texts: string[]): Promise<Scores[]> =>
    texts.map((t) => scores[(t.split(".").at(-2) ?? "").includes(a) ? a : b] as Scores);
  const kinds = (text: string) => text.match(new RegExp(`${a}|${b}`, "g")) ?? [];
  return { offer, score, kinds };
}

test("centred best-of-K trades dimensions: it keeps the sentence that leads on the dimension asked for, not the one that scores well on all", async () => {
  // Every round offers a sentence good on everything and one good on novelty alone.
  const {
    offer,
    score: byLast,
    kinds,
  } = twoKinds("strong", "novel", {
    strong: { novelty: 0.9, feasibility: 0.9, effectiveness: 0.6 },
    novel: { novelty: 0.8, feasibility: 0.2, effectiveness: 0.5 },
  });
  const weights = { novelty: 0.6, feasibility: 0.2, effectiveness: 0.2 };
  const run = (objective: "weighted" | "centred") =>
    generateBestOfK(offer, "P:", { k: 2, weights, score: byLast, objective }, { maxTokens: 200, seed: 3 });
  assert.deepEqual(kinds((await run("weighted")).text), ["strong", "strong", "strong"], "w · r keeps the strong one");
  assert.deepEqual(kinds((await run("centred")).text), ["novel", "novel", "novel"], "(w − w̄) · r keeps the novel one");
  assert.deepEqual(
    selectionWeights({ novelty: 1 / 3, feasibility: 1 / 3, effectiveness: 1 / 3 }, "centred").map((x) => Math.abs(x)),
    [0, 0, 0],
    "equal weights prefer nothing",
  );
});

test("standardised best-of-K gives a dimension whose scores barely differ the same pull: asked for feasibility, it keeps the more feasible sentence", async () => {
  // Every round: a "plain" sentence (novelty 0.3, feasibility 0.50) and a "bold" one (novelty 0.9, feasibility 0.52).
  const {
    offer,
    score: byLast,
    kinds,
  } = twoKinds("plain", "bold", {
    plain: { novelty: 0.3, feasibility: 0.5, effectiveness: 0.5 },
    bold: { novelty: 0.9, feasibility: 0.52, effectiveness: 0.5 },
  });
  const weights = { novelty: 0.2, feasibility: 0.6, effectiveness: 0.2 };
  const rounds: string[] = [];
  const run = (objective: BestOfKObjective) =>
    generateBestOfK(
      offer,
      "P:",
      { k: 2, weights, score: byLast, objective, beforeRound: async (text) => void rounds.push(text) },
      { maxTokens: 200, seed: 3 },
    );
  assert.deepEqual(kinds((await run("centred")).text), ["plain", "plain", "plain"], "centred: novelty's spread wins");
  rounds.length = 0;
  const standardised = await run("standardised");
  assert.deepEqual(kinds(standardised.text), ["bold", "bold", "bold"], "standardised: the more feasible one");
  assert.equal(rounds.length, 4, "told before every round");
  assert.deepEqual(
    rounds.map((r) => kinds(r).length),
    [0, 1, 2, 3],
    "with the text kept so far",
  );
});

test("a candidate that leaves a field empty or runs away in one character is never kept while another can be; a round with none is drawn again", async () => {
  const plan = "Title: T\nMethod: M.\nExperiment Plan:\n";
  assert.equal(writable(plan, "- Dataset Preparation: \n"), false, "a field's label and nothing else");
  assert.equal(writable(`${plan}- Dataset Preparation:`, " \n"), false);
  assert.equal(writable("Title: T\nMethod: M.", "\nExperiment Plan:\n"), true, "the plan's heading has no text");
  assert.equal(writable(plan, "- Dataset Preparation: We use X.\n"), true);
  assert.equal(writable("Method: a", " **Vi********"), false, "a runaway character");
  assert.equal(writable("Method: a", " We train on 10000000 tokens."), true, "seven in a row pass");
  // The first draw leaves the field empty both times; the second once (that candidate scores best), and writes it once.
  const seen: number[] = [];
  const offer = async (prompt: string, s: SamplingOptions): Promise<Generation> => {
    const draws = seen.filter((x) => x === prompt.length).length;
    seen.push(prompt.length);
    const text = prompt.endsWith("Preparation:") ? (draws < 3 ? " \n" : ` We use set ${s.seed}.\n`) : "";
    return { text, finishReason: "stop", usage: { promptTokens: 10, completionTokens: 4 } };
  };
  const emptyBest = async (texts: string[]): Promise<Scores[]> =>
    texts.map((t) => ({ novelty: t.endsWith(": \n") ? 1 : 0, feasibility: 0, effectiveness: 0 }));
  const weights = { novelty: 1, feasibility: 0, effectiveness: 0 };
  const g = await generateBestOfK(
    offer,
    `${plan}- Dataset Preparation:`,
    { k: 2, weights, score: emptyBest },
    { maxTokens: 50, seed: 1 },
  );
  assert.match(g.text, /^ We use set \d+\.\n$/, "drawn again, and the written field kept");
  assert.equal(g.cost.calls, 2 + 2 + 2, "two draws of K for the field, one for the end");
});

test("a candidate with which the model ends the text is kept only where the text may end: an idea is not cut short of a field", async () => {
  // Every other call ends the text at once (and scores best); the others write the missing field.
  let calls = 0;
  const offer = async (): Promise<Generation> =>
    calls++ % 2 === 0
      ? { text: " stop here", finishReason: "stop", usage: { promptTokens: 10, completionTokens: 2 } }
      : { text: " Field: written.\n", finishReason: "length", usage: { promptTokens: 10, completionTokens: 4 } };
  const endsBest = async (texts: string[]): Promise<Scores[]> =>
    texts.map((t) => ({ novelty: t.endsWith("stop here") ? 1 : 0, feasibility: 0, effectiveness: 0 }));
  const run = (mayEnd?: (t: string) => boolean) =>
    generateBestOfK(
      offer,
      "P:",
      {
        k: 2,
        weights: { novelty: 1, feasibility: 0, effectiveness: 0 },
        score: endsBest,
        ...(mayEnd ? { mayEnd } : {}),
      },
      { maxTokens: 60, seed: 1 },
    );
  const guarded = await run((t) => t.includes("Field:"));
  assert.equal(guarded.text, " Field: written.\n stop here", "the field first; then the end is kept");
  assert.equal((await run()).text, " stop here", "without mayEnd the best-scoring end is kept, short of the field");
});

test("best-of-K stops once the text is whole, not when the model would stop: nothing past the last field is kept", async () => {
  // A model that never ends: every call writes one more line.
  const lines = async (prompt: string): Promise<Generation> => ({
    text: `line ${prompt.split("\n").length}\n`,
    finishReason: "length",
    usage: { promptTokens: 10, completionTokens: 3 },
  });
  const run = (ended?: (t: string) => boolean) =>
    generateBestOfK(
      lines,
      "P:\n",
      { k: 1, weights: { novelty: 1, feasibility: 0, effectiveness: 0 }, score, ended },
      { maxTokens: 60, seed: 1 },
    );
  const whole = await run((t) => t.includes("line 3\n"));
  assert.equal(whole.text, "line 2\nline 3\n", "the round that made it whole is the last");
  assert.equal(whole.cost.sentences, 2);
  const unbounded = await run();
  assert.ok(unbounded.text.includes("line 4\n"), "without `ended` it goes on to the token budget");
});

test("anchored best-of-K pulls an idea that drifted back to its first round's target; tracking keeps the drift", async () => {
  // Feasibility per sentence kind; the idea's score is its sentences' mean, so a kept sentence moves later rounds.
  const value: Record<string, number> = { low: 0.1, mid: 0.5, high: 0.9 };
  let n = 0;
  const offer = async (prompt: string, s: SamplingOptions): Promise<Generation> => {
    const round = (prompt.match(/\./g) ?? []).length;
    // Round 1 offers nothing but "high": the idea overshoots whatever is asked.
    const kind = round === 1 ? "high" : (["low", "mid", "high"][n++ % 3] as string);
    const text = round >= 3 ? "" : `${kind} sentence ${s.seed}. cut`;
    return { text, finishReason: "stop", usage: { promptTokens: 10, completionTokens: 8 } };
  };
  const kindsOf = (t: string) => t.match(/low|mid|high/g) ?? [];
  const byMean = async (texts: string[]): Promise<Scores[]> =>
    texts.map((t) => {
      const vs = kindsOf(t).map((k) => value[k] as number);
      return { novelty: 0.5, feasibility: vs.reduce((a, b) => a + b, 0) / vs.length, effectiveness: 0.5 };
    });
  const covariance = [
    [0.01, 0, 0],
    [0, 0.01, 0],
    [0, 0, 0.01],
  ];
  const weights = { novelty: 1 / 3, feasibility: 1 / 3, effectiveness: 1 / 3 }; // the target is the centre itself
  const run = (objective: BestOfKObjective) => {
    n = 0;
    return generateBestOfK(
      offer,
      "P:",
      { k: 3, weights, score: byMean, objective, covariance, step: 0.4 },
      { maxTokens: 200, seed: 5 },
    );
  };
  const tracked = kindsOf((await run("tracking")).text);
  const anchored = kindsOf((await run("anchored")).text);
  assert.deepEqual(tracked, ["mid", "high", "mid"], "tracking: the last round's mean already holds the overshoot");
  assert.deepEqual(anchored, ["mid", "high", "low"], "anchored: back to the first round's mean, 0.5");
});

test("best-of-K's largest round is scored through the reward models' KV cache (each candidate costs its own sentence)", () => {
  // Above PREFIX_SCORING_MAX_TEXTS the transformer reward models read every candidate whole: 7.7x the time at K = 32.
  assert.ok(BEST_OF_K_LIMITS.maxK <= PREFIX_SCORING_MAX_TEXTS, `maxK ${BEST_OF_K_LIMITS.maxK}`);
});
