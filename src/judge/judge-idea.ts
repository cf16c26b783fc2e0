import { type Logger, silentLogger } from "../core/index.js";
import { clipText } from "../datasets/index.js";
import { DIMENSIONS, type Dimension, type Idea, renderIdea } from "../idea/index.js";
import type { ChatMessage, LlmBackend } from "../llm/index.js";
import { checkSanity } from "./answer-sanity.js";
import { checkAnswer, type DimensionScores, judgeAnswerJsonSchema } from "./judge-answer.js";
import { type AttemptFailure, JudgeOutputError } from "./judge-errors.js";
import { buildJudgePrompt, type Evidence, type JudgePrompt } from "./judge-prompt.js";
import { repairJson } from "./repair-json.js";
import { type PaperLibrary, type RelatedPaper, retrieveRelated, searchTextOf } from "./retrieve-related.js";
import { type SampleSummary, summarizeSamples } from "./summarize-samples.js";

export type JudgeOptions = {
  topK: number; // related papers by BM25 on the idea text
  referenceK: number; // plus the source paper's most-cited recent references
  recentYears: number; // "recent": at most this many years older than the source paper
  samples: number; // judge samples to average; one sample decodes greedily
  temperature: number; // sampling temperature when samples > 1
  seed: number; // sample i, attempt a uses seed + 1000 i + a
  maxAttempts: number; // answers asked for per sample; then JudgeOutputError (never a guessed score)
  maxTokens: number; // completion budget per attempt
  rationaleMaxChars: number; // in the grammar; 0 = no string lengths (hosted OpenAI strict schemas refuse them)
  maxAbstractChars: number; // per paper in the prompt
  maxIdeaChars: number;
  maxCitedIds: number; // per dimension, in the grammar
  sanityChecks: boolean; // refuse schema-valid answers that are not about the idea (answer-sanity.ts)
};

// Sized so that prompt, a retry's note and the answer fit a 4096-token context (llm.contextSize's default).
export const DEFAULT_JUDGE_OPTIONS: JudgeOptions = {
  topK: 6,
  referenceK: 2,
  recentYears: 5,
  samples: 1,
  temperature: 0.7,
  seed: 1,
  maxAttempts: 3,
  maxTokens: 900,
  rationaleMaxChars: 500,
  maxAbstractChars: 800,
  maxIdeaChars: 4000,
  maxCitedIds: 5,
  sanityChecks: true,
};

/** "grammar": decoded under the answer's JSON schema; "parsed": free text, parsed and repaired. */
export type AnswerMode = "grammar" | "parsed";

export type JudgeSample = {
  scores: DimensionScores;
  mode: AnswerMode;
  attempts: number; // 1 when the first answer was usable
  repairs: string[]; // what repairJson changed in the accepted answer
  truncated: boolean; // the accepted answer hit maxTokens and was closed by the repair
  failures: AttemptFailure[]; // the attempts before it
  text: string; // the accepted answer as the model wrote it
};

export type Judgement = {
  backend: string;
  idea: string; // the text judged
  source: { id: string; title: string } | null;
  related: Omit<RelatedPaper, "abstract">[];
  evidence: Evidence;
  noveltyWithoutEvidence: boolean; // no related work was found: novelty is the model's unsupported opinion
  samples: JudgeSample[];
  failedSamples: { sample: number; failures: AttemptFailure[] }[]; // left out of the summary
  summary: SampleSummary;
  scores: Record<Dimension, number>; // mapped means in [0, 1]: the idea's judge scores
  droppedPromptChars: number;
};

export type JudgeDeps = { backend: LlmBackend; library: PaperLibrary; log?: Logger };
export type JudgeInput = { idea: Idea | string; sourcePaperId?: string | null };

/**
 * The retrieval-augmented LLM judge (DESIGN §3). Retrieves related work from the library, puts it
 * and the idea in the prompt as fenced data, and asks for rationale, cited ids and a 1-10 score
 * per rubric: under the answer's JSON schema when the backend has grammars, otherwise as text
 * that is repaired, schema-checked and retried with a note on what was wrong. Several samples are
 * averaged when asked; a sample that fails every attempt is reported and left out, and when all
 * fail the judge throws JudgeOutputError.
 *
 * @example
 * const j = await judgeIdea({ backend, library }, { idea, sourcePaperId: "neurips2023/009LK0vLcY" });
 * j.scores // { novelty: 0.667, feasibility: 0.778, effectiveness: 0.556 }
 * j.samples[0].scores.novelty.citedIds // ["iclr2021/abc", ...]: only ids that were in the prompt
 */
export async function judgeIdea(
  deps: JudgeDeps,
  input: JudgeInput,
  options: Partial<JudgeOptions> = {},
): Promise<Judgement> {
  const opts = { ...DEFAULT_JUDGE_OPTIONS, ...options };
  if (opts.samples < 1 || opts.maxAttempts < 1)
    throw new RangeError("judge samples and maxAttempts must be at least 1");
  const log = deps.log ?? silentLogger;
  const ideaText = typeof input.idea === "string" ? input.idea : renderIdea(input.idea);
  const { source, related } = retrieveRelated(
    deps.library,
    searchTextOf(input.idea),
    input.sourcePaperId ?? null,
    opts,
  );
  const prompt = buildJudgePrompt({ ideaText, source, related }, opts);
  if (prompt.evidence === "none") log.warn("judge: no related work retrieved; novelty is judged without evidence");

  const settled = await Promise.allSettled(
    Array.from({ length: opts.samples }, (_, i) => judgeSample(deps.backend, prompt, opts, i)),
  );
  const samples: JudgeSample[] = [];
  const failedSamples: Judgement["failedSamples"] = [];
  settled.forEach((r, i) => {
    if (r.status === "fulfilled") samples.push(r.value);
    else if (r.reason instanceof JudgeOutputError) failedSamples.push({ sample: i, failures: r.reason.failures });
    else throw r.reason;
  });
  if (samples.length === 0) throw (settled[0] as PromiseRejectedResult).reason;
  if (failedSamples.length > 0) log.warn("judge: samples without a usable answer", { failed: failedSamples.length });
  const summary = summarizeSamples(samples.map((s) => s.scores));
  return {
    backend: deps.backend.name,
    idea: ideaText,
    source: source ? { id: source.id, title: source.title } : null,
    related: related.map(({ abstract: _, ...rest }) => rest),
    evidence: prompt.evidence,
    noveltyWithoutEvidence: prompt.evidence === "none",
    samples,
    failedSamples,
    summary,
    scores: Object.fromEntries(DIMENSIONS.map((d) => [d, summary.dimensions[d].mapped])) as Record<Dimension, number>,
    droppedPromptChars: prompt.droppedChars,
  };
}

const RETRY_OUTPUT_CHARS = 1500; // of a failed answer, shown back to the model with the note

/** One judge sample: up to maxAttempts chat calls until an answer passes repair and the schema check. */
async function judgeSample(
  backend: LlmBackend,
  prompt: JudgePrompt,
  opts: JudgeOptions,
  sample: number,
): Promise<JudgeSample> {
  const grammar = backend.capabilities.jsonSchema;
  const schema = grammar
    ? judgeAnswerJsonSchema({
        allowedIds: prompt.allowedIds,
        relatedIds: prompt.relatedIds,
        rationaleMaxChars: opts.rationaleMaxChars,
        maxCitedIds: opts.maxCitedIds,
      })
    : undefined;
  const base: ChatMessage[] = [
    { role: "system", content: prompt.system },
    { role: "user", content: prompt.user },
  ];
  let messages = base;
  const failures: AttemptFailure[] = [];
  const temperature = opts.samples > 1 ? opts.temperature : 0;
  for (let attempt = 1; attempt <= opts.maxAttempts; attempt++) {
    // Backend failures propagate: the backend already retried what is transient (HTTP 429/5xx, timeouts),
    // and the rest (context overflow, a spent budget, a refused schema) would fail again the same way.
    const g = await backend.chat(messages, {
      maxTokens: opts.maxTokens,
      // A greedy retry of a failed greedy answer tends to repeat it; a little noise gets out of the rut.
      temperature: attempt > 1 ? Math.max(temperature, 0.3) : temperature,
      seed: opts.seed + 1000 * sample + attempt,
      jsonSchema: schema,
    });
    const text = g.text;
    const hitLimit = g.finishReason === "length";
    const output = clipText(text, RETRY_OUTPUT_CHARS).text;
    const repaired = repairJson(text);
    let note: string;
    if (repaired.ok) {
      const check = checkAnswer(repaired.value, {
        allowedIds: prompt.allowedIds,
        noveltyNeedsCitation: prompt.evidence === "retrieved",
      });
      const implausible = check.ok && opts.sanityChecks ? checkSanity(check.scores, prompt) : [];
      if (check.ok && implausible.length > 0) {
        failures.push({ attempt, kind: "implausible", detail: implausible.join("; "), output });
        note = `it does not read as a judgement of this idea: ${implausible.join("; ")}`;
      } else if (check.ok) {
        return {
          scores: check.scores,
          mode: grammar ? "grammar" : "parsed",
          attempts: attempt,
          repairs: repaired.repairs,
          truncated: repaired.truncated,
          failures,
          text,
        };
      } else {
        failures.push({ attempt, kind: "schema", detail: check.problems.join("; "), output });
        note = `it does not follow the required format: ${check.problems.join("; ")}`;
      }
    } else {
      failures.push({ attempt, kind: "not-json", detail: repaired.error, output });
      note = `it is not a JSON object (${repaired.error})`;
    }
    if (hitLimit) note += `; it was cut off after ${opts.maxTokens} tokens, so keep each rationale short`;
    messages = [
      ...base,
      { role: "assistant", content: output },
      {
        role: "user",
        content: `That answer could not be used: ${note}. Answer again with only the JSON object described in the system message.`,
      },
    ];
  }
  throw new JudgeOutputError(failures);
}
