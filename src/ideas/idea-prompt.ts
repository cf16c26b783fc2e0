import { plainIdeaPrompt } from "../datasets/index.js";
import { dataFence, dataRule, fenceTag, quoteData } from "../judge/index.js";
import type { ChatMessage, LlmBackend, LocalModel } from "../llm/index.js";

/** The paper an idea builds on: what `generate` reads (a library record, a JSON paper, a parsed file). */
export type SourcePaper = { id?: string; title: string; abstract: string };

/**
 * How a prompt reaches the model: the policy's own tokens; a chat asking for the layout; or the plain prompt a
 * LoRA adapter was trained on (datasets' plainIdeaPrompt, `train lora`).
 */
export const PROMPT_MODES = ["policy", "chat", "plain"] as const;
export type PromptMode = (typeof PROMPT_MODES)[number];

const POLICY_TOKENS = ["<|paper|>", "<|idea|>", "<|end|>"] as const;

/**
 * "policy" when the model has our three control tokens (a model trained by ideasteer: DESIGN §4's
 * `<|paper|>…<|idea|>` prompt), "chat" otherwise (a user's instruct model, an OpenAI-compatible server).
 */
export async function promptModeOf(backend: LlmBackend): Promise<PromptMode> {
  if (!backend.capabilities.logits || !("generate" in backend)) return "chat";
  const local = backend as LlmBackend & LocalModel;
  for (const t of POLICY_TOKENS) if ((await local.tokenize(t, { special: true })).length !== 1) return "chat";
  return "policy";
}

/**
 * The policy's prompt as tokens: `<|paper|>` + the paper as plain text (a control token written in it stays text),
 * cut to `maxTokens` in all, + `<|idea|>`. Same text as the SFT pairs (datasets' sftPrompt) so the model sees
 * at inference what it was trained on.
 */
export async function policyPrompt(
  model: LocalModel,
  paper: SourcePaper,
  maxTokens: number,
): Promise<{ tokens: number[]; endToken: number; cut: boolean }> {
  const [paperTok, ideaTok, endTok] = await Promise.all(POLICY_TOKENS.map((t) => model.tokenize(t, { special: true })));
  const body = await model.tokenize(`Title: ${oneLine(paper.title)}\nAbstract: ${oneLine(paper.abstract)}`, {
    special: false,
    addBos: false,
  });
  const room = maxTokens - 2;
  return {
    tokens: [...(paperTok ?? []), ...body.slice(0, room), ...(ideaTok ?? [])],
    endToken: endTok?.[0] ?? -1,
    cut: body.length > room,
  };
}

export const POLICY_END = "<|end|>";

/**
 * The policy's prompt as text, for a server that runs an ideasteer policy and parses control tokens in prompts
 * (`ideasteer serve`'s /v1/completions): the paper's own "<|" is written "< |" so a paper cannot close its block or
 * open an idea, and the abstract is cut to `maxAbstractChars` (the server's tokenizer is not ours to count with).
 */
export function policyPromptText(paper: SourcePaper, maxAbstractChars = 2_000): string {
  const defuse = (s: string) => oneLine(s).replaceAll("<|", "< |");
  return `<|paper|>Title: ${defuse(paper.title)}\nAbstract: ${defuse(paper.abstract).slice(0, maxAbstractChars)}<|idea|>`;
}

export const IDEA_LAYOUT = [
  "Title: <one line>",
  "Method: <the new approach, 2-6 sentences>",
  "Experiment Plan:",
  "- Dataset Preparation: <...>",
  "- Baseline Implementation: <...>",
  "- Evaluation Procedure: <...>",
].join("\n");

/** For real models: the task, the layout, and the paper quoted as data it must not obey. */
export function chatPrompt(paper: SourcePaper, maxAbstractChars = 6_000): ChatMessage[] {
  const text = `Title: ${oneLine(paper.title)}\nAbstract: ${oneLine(paper.abstract).slice(0, maxAbstractChars)}`;
  const fence = dataFence([text]);
  const system = [
    "You are a researcher who proposes one follow-up research idea that builds on a given paper.",
    "Answer with the idea only, in exactly this plain-text layout (no markdown, no extra lines):",
    IDEA_LAYOUT,
    dataRule(fence),
  ].join("\n");
  const user = [
    `The paper is in the <${fenceTag(fence, "source-paper")}> block.`,
    quoteData(fence, "source-paper", text, { id: paper.id ?? null }),
    "Propose one follow-up research idea in the layout.",
  ].join("\n");
  return [
    { role: "system", content: system },
    { role: "user", content: user },
  ];
}

/** The plain prompt in the model's own tokens, as `train lora` tokenized it: BOS as the model wants, no control tokens. */
export async function plainPrompt(model: LocalModel, paper: SourcePaper, maxTokens: number): Promise<number[]> {
  const tokens = await model.tokenize(plainIdeaPrompt(paper.title, paper.abstract), { special: false, addBos: true });
  return tokens.length <= maxTokens ? tokens : [...tokens.slice(0, maxTokens - 24), ...tokens.slice(-24)];
}

const oneLine = (s: string) => s.replace(/\s+/g, " ").trim();
