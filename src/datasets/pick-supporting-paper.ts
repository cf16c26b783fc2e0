import { errorMessage } from "../core/index.js";
import type { JsonSchema, LlmBackend } from "../llm/index.js";
import { chatAttempt } from "./chat-attempt.js";
import { clipText, DATA_RULE, quoteAsData } from "./prompt-data.js";

export type PaperText = { id: string; title: string; abstract: string };

export const PICK_FALLBACK_REASONS = ["backend-error", "truncated", "unparseable", "out-of-range"] as const;
export type PickFallbackReason = (typeof PICK_FALLBACK_REASONS)[number];

export type SupportPick =
  | { source: "llm"; index: number; attempts: number }
  // top-1 is used; `reason` is why the last attempt failed
  | { source: "fallback"; index: 0; attempts: number; reason: PickFallbackReason; detail: string };

export type PickOptions = {
  retries: number; // attempts after the first
  maxTokens: number;
  maxAbstractChars: number; // per candidate, so ten candidates fit the context; clipping is counted
  seed?: number;
};

export const DEFAULT_PICK_OPTIONS: PickOptions = { retries: 2, maxTokens: 32, maxAbstractChars: 600 };

/**
 * LDC's selection step: the LLM reads the citing paper and its top candidates (as quoted data) and
 * names the one the citing paper builds on most directly. The answer is parsed and range-checked;
 * after `retries` failed attempts the top-ranked candidate is used and the reason is returned.
 */
export async function pickSupportingPaper(
  backend: LlmBackend,
  citing: PaperText,
  candidates: PaperText[],
  opts: PickOptions = DEFAULT_PICK_OPTIONS,
): Promise<SupportPick & { clippedAbstracts: number }> {
  const prompt = buildPickPrompt(citing, candidates, opts.maxAbstractChars);
  if (candidates.length <= 1) return { source: "llm", index: 0, attempts: 0, clippedAbstracts: prompt.clipped };
  const schema: JsonSchema = {
    type: "object",
    // an enum, not minimum/maximum: llama.cpp grammars enforce enums but not integer bounds
    properties: { choice: { enum: candidates.map((_, i) => i + 1) } },
    required: ["choice"],
    additionalProperties: false,
  };
  let last: { reason: PickFallbackReason; detail: string } = { reason: "unparseable", detail: "" };
  for (let attempt = 1; attempt <= opts.retries + 1; attempt++) {
    let text: string;
    try {
      const g = await chatAttempt(backend, prompt, attempt, {
        maxTokens: opts.maxTokens,
        seed: opts.seed,
        jsonSchema: schema,
      });
      if (g.finishReason === "length") {
        last = { reason: "truncated", detail: g.text.slice(0, 80) };
        const early = parseChoice(g.text, candidates.length);
        if (early.ok) return { source: "llm", index: early.index, attempts: attempt, clippedAbstracts: prompt.clipped };
        continue;
      }
      text = g.text;
    } catch (e) {
      last = { reason: "backend-error", detail: errorMessage(e) };
      continue;
    }
    const choice = parseChoice(text, candidates.length);
    if (choice.ok) return { source: "llm", index: choice.index, attempts: attempt, clippedAbstracts: prompt.clipped };
    last = { reason: choice.reason, detail: text.slice(0, 80) };
  }
  return { source: "fallback", index: 0, attempts: opts.retries + 1, ...last, clippedAbstracts: prompt.clipped };
}

export function buildPickPrompt(
  citing: PaperText,
  candidates: PaperText[],
  maxAbstractChars: number,
): { system: string; user: string; clipped: number } {
  let clipped = 0;
  const block = (p: PaperText) => {
    const a = clipText(p.abstract, maxAbstractChars);
    if (a.droppedChars > 0) clipped++;
    return quoteAsData(`Title: ${p.title}\nAbstract: ${a.text}`);
  };
  const system = [
    "You identify which referenced paper a research paper builds on most directly: the work whose idea it extends.",
    DATA_RULE,
    `Answer with JSON only: {"choice": <number of the candidate>}.`,
  ].join(" ");
  const user = [
    "Citing paper (its abstract is complete; the candidates' abstracts may be shortened, marked [...]):",
    quoteAsData(`Title: ${citing.title}\nAbstract: ${citing.abstract}`),
    "",
    `Candidate references (${candidates.length}):`,
    ...candidates.map((c, i) => `[${i + 1}]\n${block(c)}`),
    "",
    `Which candidate (1-${candidates.length}) does the citing paper build on most directly? Reply {"choice": n}.`,
  ].join("\n");
  return { system, user, clipped };
}

/** {"choice": n} or, from a model without a grammar, the first standalone number. 1-based in, 0-based out. */
export function parseChoice(
  text: string,
  n: number,
): { ok: true; index: number } | { ok: false; reason: "unparseable" | "out-of-range" } {
  let value: number | null = null;
  const json = text.match(/\{[^{}]*\}/);
  if (json) {
    try {
      const obj = JSON.parse(json[0]) as { choice?: unknown };
      if (typeof obj.choice === "number") value = obj.choice;
      else if (typeof obj.choice === "string" && /^\s*\d+\s*$/.test(obj.choice)) value = Number(obj.choice);
    } catch {
      // not JSON after all: fall through to the bare number
    }
  }
  if (value === null) {
    const bare = text.match(/(?<!\d|\d\.)\d{1,3}(?!\d|\.\d)/); // not part of a decimal
    if (bare) value = Number(bare[0]);
  }
  if (value === null || !Number.isInteger(value)) return { ok: false, reason: "unparseable" };
  if (value < 1 || value > n) return { ok: false, reason: "out-of-range" };
  return { ok: true, index: value - 1 };
}
