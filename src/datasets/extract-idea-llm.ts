import { errorMessage } from "../core/index.js";
import { completeIdea, type Idea, ideaJsonSchema, parseIdeaLoose, renderIdea } from "../idea/index.js";
import type { LlmBackend } from "../llm/index.js";
import { chatAttempt } from "./chat-attempt.js";
import type { PaperFullText } from "./extract-idea-offline.js";
import { clipText, DATA_RULE, quoteAsData } from "./prompt-data.js";

export type LlmExtractOptions = {
  retries: number; // attempts after the first
  maxTokens: number; // completion budget; hitting it is reported as truncation, never accepted silently
  maxSectionChars: number; // per section in the prompt; clipping is reported in `inputDroppedChars`
  seed?: number;
};

export const DEFAULT_LLM_EXTRACT_OPTIONS: LlmExtractOptions = { retries: 2, maxTokens: 700, maxSectionChars: 3000 };

export const LLM_FAILURES = ["backend-error", "truncated", "incomplete", "invalid"] as const;
export type LlmFailure = (typeof LLM_FAILURES)[number];

export type LlmExtraction = {
  idea: Idea | null; // null after every attempt failed
  attempts: number;
  failures: { attempt: number; kind: LlmFailure; detail: string }[];
  truncatedOutputs: number; // attempts that hit maxTokens
  inputDroppedChars: number; // characters of P's sections left out of the prompt
};

/**
 * The LLM golden-idea extractor (DESIGN §3): asks for exactly the §1 layout from P's title,
 * abstract and method/experiment sections (quoted as data), as JSON under the idea schema when
 * the backend has grammars, else as the text layout. Every answer is schema-checked through the
 * tolerant parser; incomplete, invalid or length-truncated answers are retried and reported.
 */
export async function extractIdeaLlm(
  backend: LlmBackend,
  paper: PaperFullText,
  opts: LlmExtractOptions = DEFAULT_LLM_EXTRACT_OPTIONS,
): Promise<LlmExtraction> {
  const prompt = buildExtractPrompt(paper, opts.maxSectionChars, backend.capabilities.jsonSchema);
  const jsonSchema = ideaJsonSchema();
  const failures: LlmExtraction["failures"] = [];
  let truncatedOutputs = 0;
  for (let attempt = 1; attempt <= opts.retries + 1; attempt++) {
    let text: string;
    try {
      const g = await chatAttempt(backend, prompt, attempt, { maxTokens: opts.maxTokens, seed: opts.seed, jsonSchema });
      if (g.finishReason === "length") {
        truncatedOutputs++;
        failures.push({ attempt, kind: "truncated", detail: `hit maxTokens=${opts.maxTokens}` });
        continue;
      }
      text = g.text;
    } catch (e) {
      failures.push({ attempt, kind: "backend-error", detail: errorMessage(e) });
      continue;
    }
    const parsed = parseIdeaLoose(text);
    const idea = completeIdea(parsed);
    if (!idea) {
      failures.push({ attempt, kind: "incomplete", detail: `missing ${parsed.missing.join(", ")}` });
      continue;
    }
    try {
      renderIdea(idea); // the schema check: one-line fields, every field present
    } catch (e) {
      failures.push({ attempt, kind: "invalid", detail: errorMessage(e) });
      continue;
    }
    return { idea, attempts: attempt, failures, truncatedOutputs, inputDroppedChars: prompt.droppedChars };
  }
  return { idea: null, attempts: opts.retries + 1, failures, truncatedOutputs, inputDroppedChars: prompt.droppedChars };
}

export function buildExtractPrompt(
  paper: PaperFullText,
  maxSectionChars: number,
  asJson: boolean,
): { system: string; user: string; droppedChars: number } {
  let droppedChars = 0;
  const section = (name: string, text: string | null) => {
    if (!text) return [];
    const c = clipText(text, maxSectionChars);
    droppedChars += c.droppedChars;
    return [`${name}:`, quoteAsData(c.text)];
  };
  const layout = [
    "Title: <one line>",
    "Method: <the paper's new approach, 2-6 sentences on one line>",
    "Experiment Plan:",
    "- Dataset Preparation: <which data and how it is prepared>",
    "- Baseline Implementation: <what the approach is compared against>",
    "- Evaluation Procedure: <metrics and protocol>",
  ].join("\n");
  const system = [
    "You summarise a research paper as the research idea it carries out, in a fixed layout.",
    DATA_RULE,
    asJson
      ? 'Answer with one JSON object: {"title", "method", "experimentPlan": {"datasets", "baselines", "evaluation"}}, every value one line of plain text.'
      : `Answer with exactly these six lines and nothing else:\n${layout}`,
  ].join("\n");
  const user = [
    `Title and abstract:`,
    quoteAsData(`Title: ${paper.title}\nAbstract: ${paper.abstract}`),
    ...section("Method section (may be shortened, marked [...])", paper.method),
    ...section("Experiments section (may be shortened, marked [...])", paper.experiments),
    "",
    asJson ? "Write the idea as the JSON object." : `Write the idea in the layout:\n${layout}`,
  ].join("\n");
  return { system, user, droppedChars };
}
