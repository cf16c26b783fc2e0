import { IdeasteerError } from "../core/index.js";
import { plainIdeaPrompt, splitSentences } from "../datasets/index.js";
import { type Idea, type IdeaFieldPath, readWholeIdea, renderIdea, type Scores } from "../idea/index.js";
import {
  asGeneration,
  type ControlVector,
  type Generation,
  isLocalModel,
  type LlmBackend,
  type LocalModel,
  type SamplingOptions,
  type StepwiseGeneration,
  type StepwiseOptions,
  type TokenStep,
} from "../llm/index.js";
import { MAX_IDEA_CHARS, type RewardModel, type ScoreCache, scoreIdeas } from "../reward/index.js";
import {
  type BestOfK,
  type BestOfKCost,
  type CompleteMany,
  createDecider,
  createLayoutGuard,
  type Decision,
  type DynamicControl,
  generateBestOfK,
  generateWithDynamicControl,
  layoutVector,
  sectionOf,
  strengthsOf,
} from "../steer/index.js";
import {
  chatPrompt,
  POLICY_END,
  type PromptMode,
  plainPrompt,
  policyPrompt,
  policyPromptText,
  promptModeOf,
  type SourcePaper,
} from "./idea-prompt.js";
import { drain, sentenceWatcher } from "./sentence-stream.js";

/** A paper an idea is related to: the one it builds on, or the nearest prior work in the library. */
export type RelatedWork = { id: string; title: string; role: "source" | "prior"; year?: number | null };

/** What generation reports, in order (DESIGN §8): each idea when it is complete, then done. */
export type IdeaEvent =
  | {
      type: "idea";
      index: number;
      text: string; // the idea in the section-1 layout
      idea: Idea;
      scores: Scores | null; // the reward models' (null without one)
      related: RelatedWork[];
      seed: number; // the seed of the attempt that gave this idea
      attempts: number; // generations this idea took (regenerated when the layout did not parse)
      repaired: boolean; // the layout was repaired (fields found under other labels), never filled in
      strengths: number[][]; // eps per sentence (DIMENSIONS order); empty: no steering
      compute?: BestOfKCost; // what best-of-K spent on the attempt that gave this idea
      uncontrolled?: true; // control was asked for, but the steered attempts left the layout: written without it
    }
  | {
      type: "sentence"; // a sentence of the idea being written, as soon as it is complete (DESIGN §8)
      index: number; // the idea
      attempt: number; // a regenerated idea starts again at attempt + 1
      text: string;
      section: IdeaFieldPath;
      strengths: number[]; // eps in use while it was written (DIMENSIONS order); empty: no steering
      scores: Scores | null; // the reward models' scores of the idea up to and including it
    }
  | { type: "done"; ideas: number; attempts: number; parsedFirstTry: number };

export type GenerateIdeasOptions = {
  backend: LlmBackend;
  n: number;
  seed: number;
  temperature: number;
  topP: number;
  maxTokens: number; // per idea
  maxPromptTokens: number; // the policy's paper budget (the SFT pairs' cut)
  maxAttempts: number; // per idea, before giving up with an error
  rewardModel?: RewardModel;
  scoreCache?: ScoreCache; // shared with other scorers of the same texts (the server's reward routes)
  related?: RelatedWork[];
  signal?: AbortSignal;
  /** Overrides the mode found from the model's vocabulary ("plain" for a model with a `train lora` adapter). */
  promptMode?: PromptMode;
  /** Static control: one control vector (Σ_k eps_k v_k per layer) for the whole idea; needs a local model. */
  steering?: { vector: ControlVector; eps: number[] };
  /** Dynamic control: the sentence-level decoder sets the strengths sentence by sentence; needs a local model. */
  dynamic?: DynamicControl;
  /**
   * Best-of-K per sentence by the reward models (any backend that continues raw text: openai's /v1/completions). On a
   * local model it may be combined with `steering` (every candidate is sampled under the static control vector) or
   * with `dynamic` (before each round the decoder sets the strengths its K candidates are sampled under).
   */
  bestOfK?: BestOfK;
  /** Also yield a `sentence` event for every sentence as it is written (the server's SSE stream, the UI). */
  sentences?: boolean;
  /**
   * false: every attempt uses the control asked for, and an idea that never comes out is an error. Default true: the
   * last third of the attempts write without it (`uncontrolled`). `eval control` turns it off to measure control.
   */
  fallback?: boolean;
};

export const IDEA_LIMITS = { maxN: 64, maxTokens: 2_048, maxAttempts: 16 } as const;

/**
 * Generates n ideas for a paper: each from its own seed (seed, index, attempt), so the same seed gives the
 * same ideas; output that does not parse into the section-1 layout is repaired when every field is there
 * under another label, and otherwise regenerated, never returned broken. Scored by the reward model when given.
 *
 * @example
 *   for await (const e of generateIdeas(paper, { backend, n: 4, seed: 1, ... }))
 *     if (e.type === "idea") console.log(e.text, e.scores);
 */
export async function* generateIdeas(paper: SourcePaper, o: GenerateIdeasOptions): AsyncGenerator<IdeaEvent> {
  checkOptions(o);
  const mode = o.promptMode ?? (await promptModeOf(o.backend));
  const stats = { attempts: 0, parsedFirstTry: 0 };
  for (let index = 0; index < o.n; index++) {
    const made = o.sentences
      ? yield* drain<IdeaEvent, Made>((emit) => oneIdea(paper, { ...o, mode, index, emit }))
      : await oneIdea(paper, { ...o, mode, index });
    stats.attempts += made.attempts;
    if (made.attempts === 1 && !made.repaired) stats.parsedFirstTry++;
    const scores = o.rewardModel
      ? ((await scoreIdeas([made.idea], { model: o.rewardModel, cache: o.scoreCache }))[0] ?? null)
      : null;
    const text = renderIdea(made.idea);
    // Static control holds one strength vector for every sentence; dynamic control recorded its own per sentence;
    // an idea written without the control asked for has zero strengths where strengths were expected.
    const perSentence = (eps: readonly number[]) => splitSentences(text).map(() => [...eps]);
    const strengths = made.uncontrolled
      ? o.steering || o.dynamic
        ? perSentence([0, 0, 0])
        : []
      : o.steering
        ? perSentence(o.steering.eps)
        : made.strengths;
    yield { type: "idea", index, text, scores, related: o.related ?? [], ...made, strengths };
  }
  yield { type: "done", ideas: o.n, ...stats };
}

type Made = {
  idea: Idea;
  seed: number;
  attempts: number;
  repaired: boolean;
  strengths: number[][];
  compute?: BestOfKCost;
  uncontrolled?: true;
};

/** One idea: attempts until one parses (strictly, or by repair without invented text). */
type Emit = (e: IdeaEvent) => void;

async function oneIdea(
  paper: SourcePaper,
  o: GenerateIdeasOptions & { mode: PromptMode; index: number; emit?: Emit },
): Promise<Made> {
  const missing: string[] = [];
  const controlled = Boolean(o.steering || o.dynamic || o.bestOfK);
  for (let attempt = 0; attempt < o.maxAttempts; attempt++) {
    o.signal?.throwIfAborted();
    const seed = attemptSeed(o.seed, o.index, attempt);
    // Control must not cost the idea: the last third of the attempts write without it (a small policy leaves the
    // layout more often under strong steering), and the idea says so.
    const uncontrolled = controlled && o.fallback !== false && attempt >= steeredAttempts(o.maxAttempts);
    // (Best-of-K keeps its loop with K = 1: plain sampling through the same raw-text completion.)
    const bestOfK = o.bestOfK && uncontrolled ? { ...o.bestOfK, k: 1 } : o.bestOfK;
    const as = uncontrolled ? { ...o, steering: undefined, dynamic: undefined, bestOfK } : o;
    const sampled = await sample(paper, { ...as, seed, attempt });
    const text = sampled.text.trim();
    const { strengths, compute } = sampled;
    const made = {
      seed,
      attempts: attempt + 1,
      strengths,
      ...(compute ? { compute } : {}),
      ...(uncontrolled ? { uncontrolled: true as const } : {}),
    };
    const whole = readWholeIdea(text);
    if (whole.idea) return { idea: whole.idea, repaired: whole.repaired, ...made };
    missing.push(whole.missing);
  }
  throw new IdeasteerError(
    "E_GENERATE",
    `idea ${o.index + 1}: no attempt of ${o.maxAttempts} gave the layout (missing: ${missing.at(-1)})`,
    {
      hint: "raise --max-attempts or --max-tokens, lower --temperature, or use a stronger model (--backend llama|openai)",
    },
  );
}

/** Attempts written under the control asked for: all but the last third (at least one). */
export const steeredAttempts = (maxAttempts: number): number => Math.max(1, maxAttempts - Math.floor(maxAttempts / 3));

/**
 * One generation: the policy's raw prompt, or a chat for other models; with dynamic control, its strengths. With
 * `emit`, each sentence is also reported as it completes, with the strengths in use and the running scores.
 */
async function sample(
  paper: SourcePaper,
  o: GenerateIdeasOptions & { mode: PromptMode; seed: number; index: number; attempt: number; emit?: Emit },
): Promise<{ text: string; strengths: number[][]; compute?: BestOfKCost }> {
  const stream = sentenceEvents(o);
  const sampling = {
    maxTokens: o.maxTokens,
    temperature: o.temperature,
    topP: o.topP,
    seed: o.seed,
    signal: o.signal,
    onText: stream?.push,
  };
  const backend = o.backend;
  const done = async <T>(r: T) => {
    await stream?.end();
    return r;
  };
  const plain = (text: string) => done({ text, strengths: [] });
  if (o.bestOfK) {
    const { text, cost, strengths } = await bestOfKSample(paper, { ...o, sampling, decided: stream?.decided });
    stream?.push(text);
    return done({ text, strengths, compute: cost });
  }
  if (!isLocalModel(backend)) return plain((await backend.chat(chatPrompt(paper), sampling)).text);
  if (o.dynamic) {
    if (o.mode === "chat")
      throw new IdeasteerError("E_INPUT", "dynamic control with a chat model", {
        hint: "the decoder steps through raw prompts (our policy, or a --lora model's plain prompt); use --control static",
      });
    const p =
      o.mode === "policy"
        ? await policyPrompt(backend, paper, o.maxPromptTokens)
        : { tokens: await plainPrompt(backend, paper, o.maxPromptTokens), endToken: undefined };
    const dyn = { ...o.dynamic, onDecision: stream?.decided };
    const g = await generateWithDynamicControl(backend, p.tokens, dyn, {
      ...sampling,
      stopTokens: p.endToken === undefined ? undefined : [p.endToken],
    });
    return done({ text: g.text, strengths: strengthsOf(g.decisions) });
  }
  // Static control: one vector for the whole idea, off while a line's label is written (createLayoutGuard); a chat
  // template gives no per-token hook, so there it stays on throughout.
  const guard = o.steering ? createLayoutGuard(backend) : null;
  const steered = guard ? { onToken: (step: TokenStep) => guard.sync(step.text) } : {};
  if (o.steering) guard?.steer(o.steering.vector, "");
  try {
    if (o.mode === "policy") {
      const p = await policyPrompt(backend, paper, o.maxPromptTokens);
      return plain((await backend.generate(p.tokens, { ...sampling, ...steered, stopTokens: [p.endToken] })).text);
    }
    if (o.mode === "plain")
      return plain(
        (await backend.generate(await plainPrompt(backend, paper, o.maxPromptTokens), { ...sampling, ...steered }))
          .text,
      );
    if (o.steering) backend.setControlVector(o.steering.vector, 1);
    return plain((await backend.chat(chatPrompt(paper), sampling)).text);
  } finally {
    guard?.end();
  }
}

/**
 * Best-of-K per sentence over the backend's raw-text completion, from the policy's or the plain prompt as text; on a
 * local model under the static vector, or under the vector the decoder chooses before each round (dynamic).
 */
async function bestOfKSample(
  paper: SourcePaper,
  o: GenerateIdeasOptions & { mode: PromptMode; sampling: SamplingOptions; decided?: (d: Decision) => void },
): Promise<{ text: string; cost: BestOfKCost; strengths: number[][] }> {
  if (o.mode === "chat")
    throw new IdeasteerError("E_INPUT", "best-of-K with a chat prompt", {
      hint: "best-of-K continues raw text (/v1/completions): pass --prompt policy (a server running an ideasteer policy) or --prompt plain",
    });
  const prompt = o.mode === "policy" ? policyPromptText(paper) : plainIdeaPrompt(paper.title, paper.abstract);
  const stop = o.mode === "policy" ? [POLICY_END] : undefined;
  // Candidates are not streamed: only the sentences kept are the idea's (the caller streams the text kept).
  const { onText: _candidates, ...sampling } = o.sampling;
  const backend = o.backend;
  // A small policy may go on past the last field (a second "- Dataset Preparation: …"), which the parse then drops:
  // the idea ends with its last field's line, so the stream never shows a sentence the idea does not keep.
  const mayEnd = (text: string) => readWholeIdea(text).idea !== null;
  let bestOfK: BestOfK = { ...(o.bestOfK as BestOfK), ended: (text) => text.endsWith("\n") && mayEnd(text), mayEnd };
  let vector: ControlVector | null = o.steering?.vector ?? null;
  const decider = o.dynamic ? createDecider({ ...o.dynamic, onDecision: o.decided }) : null;
  if (decider)
    bestOfK = {
      ...bestOfK,
      beforeRound: async (text) => {
        vector = await decider.decide(text);
      },
    };
  const steered = o.steering !== undefined || decider !== null;
  const complete = !isLocalModel(backend)
    ? (p: string, s: SamplingOptions) => backend.complete(p, s)
    : steered
      ? steeredCompletion(backend, () => vector as ControlVector)
      : (p: string, s: StepwiseOptions) => asGeneration(backend.generate(p, s));
  const many =
    isLocalModel(backend) && backend.capabilities.branches
      ? branchCompletions(backend, steered ? () => vector as ControlVector : null)
      : undefined;
  const g = await generateBestOfK(complete, prompt, bestOfK, { ...sampling, stop }, many);
  return { ...g, strengths: decider ? strengthsOf(decider.decisions) : [] };
}

/**
 * Raw-text completion under a control vector (the one `vector()` gives as the call starts): the new tokens are steered
 * except while a line's label is written (as static control is); the prompt (paper and the sentences kept so far) is
 * read steered, whatever line it ends on, so that it stays in the KV cache from candidate to candidate and, while the
 * vector stays the same, from round to round (the cache keeps what was computed under a vector with the same values).
 * Calls run one at a time: the vector is the model's state, and best-of-K asks for its K candidates at once.
 */
export function steeredCompletion(model: LocalModel, vector: () => ControlVector) {
  let queue: Promise<unknown> = Promise.resolve();
  const once = async (prompt: string, s: StepwiseOptions): Promise<Generation> => {
    const guard = createLayoutGuard(model);
    guard.steer(vector(), ":"); // on for the prompt (a text whose label is written)
    try {
      return await asGeneration(
        model.generate(prompt, {
          ...s,
          onToken: (step) => {
            guard.sync(prompt + step.text);
            return s.onToken?.(step); // the caller's stop (best-of-K: a candidate's first sentence end)
          },
        }),
      );
    } finally {
      guard.end();
    }
  };
  return (prompt: string, s: StepwiseOptions): Promise<Generation> => {
    const run = queue.then(() => once(prompt, s));
    queue = run.catch(() => undefined);
    return run;
  };
}

/**
 * A round's candidates decoded together (one batch per token), steered as `steeredCompletion` steers one: the prompt
 * read under the vector, each candidate's tokens too except while it writes a line's label.
 */
export function branchCompletions(model: LocalModel, vector: (() => ControlVector) | null): CompleteMany | undefined {
  const generate = model.generateBranches?.bind(model);
  if (!generate) return undefined;
  const plain = (gs: StepwiseGeneration[]) => gs.map(({ tokens: _t, ...g }) => g);
  return async (prompt, ss) => {
    if (!vector) return plain(await generate(prompt, ss));
    const v = vector();
    model.setControlVector(v, 1);
    try {
      return plain(await generate(prompt, ss, (_i, text) => layoutVector(v, prompt + text)));
    } finally {
      model.clearControlVector();
    }
  };
}

/**
 * Sentence events for one generation: text chunks in (`push`), each completed sentence out through `emit` with its
 * section, the strengths in use (`decided` updates them under dynamic control) and the reward models' scores of the
 * idea so far, in order (scoring is chained); `end` flushes the last sentence and waits for the chain.
 */
function sentenceEvents(o: GenerateIdeasOptions & { index: number; attempt: number; emit?: Emit }) {
  const emit = o.emit;
  if (!emit) return null;
  let eps = o.steering ? [...o.steering.eps] : [];
  let chain = Promise.resolve();
  const watcher = sentenceWatcher((text, prefix) => {
    const strengths = [...eps];
    chain = chain.then(async () => {
      const scores = o.rewardModel
        ? ((await scoreIdeas([prefix.slice(0, MAX_IDEA_CHARS)], { model: o.rewardModel, cache: o.scoreCache }))[0] ??
          null)
        : null;
      emit({
        type: "sentence",
        index: o.index,
        attempt: o.attempt,
        text,
        section: sectionOf(prefix),
        strengths,
        scores,
      });
    });
  });
  return {
    push: (chunk: string) => watcher.push(chunk),
    decided: (d: Decision) => {
      eps = [...d.eps];
    },
    end: async () => {
      watcher.end();
      await chain;
    },
  };
}

/**
 * A seed per (run seed, idea, attempt): ideas are independent of n and of each other's retries. Each part goes
 * through a full avalanche (murmur3's finaliser) before the next joins, so nearby seeds share no idea: a plain
 * xor-and-multiply gave seed 1's second idea to seed 2 as its first.
 */
export function attemptSeed(seed: number, index: number, attempt: number): number {
  let h = fmix32((seed ^ 0x9e3779b9) >>> 0);
  for (const x of [index, attempt]) h = fmix32((h ^ Math.imul(x + 1, 0x7f4a7c15)) >>> 0);
  return h % 2_147_483_647;
}

function fmix32(h: number): number {
  let z = Math.imul(h ^ (h >>> 16), 0x85ebca6b) >>> 0;
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
  return (z ^ (z >>> 16)) >>> 0;
}

function checkOptions(o: GenerateIdeasOptions): void {
  const bad = (what: string, hint: string) => {
    throw new IdeasteerError("E_INPUT", what, { hint });
  };
  if (!Number.isInteger(o.n) || o.n < 1 || o.n > IDEA_LIMITS.maxN)
    bad(`n = ${o.n}`, `ask for 1-${IDEA_LIMITS.maxN} ideas`);
  if (o.maxTokens < 16 || o.maxTokens > IDEA_LIMITS.maxTokens)
    bad(`maxTokens = ${o.maxTokens}`, `use 16-${IDEA_LIMITS.maxTokens} tokens per idea`);
  if (o.maxAttempts < 1 || o.maxAttempts > IDEA_LIMITS.maxAttempts)
    bad(`maxAttempts = ${o.maxAttempts}`, `use 1-${IDEA_LIMITS.maxAttempts}`);
  if (!(o.temperature >= 0 && o.temperature <= 2)) bad(`temperature = ${o.temperature}`, "use 0-2");
  if (o.dynamic && o.steering)
    bad("static and dynamic control together", "choose one: the decoder sets the strengths the static vector would");
  if (o.dynamic && !isLocalModel(o.backend))
    bad(
      `dynamic control with the ${o.backend.name} backend`,
      "the sentence-level decoder needs a local model (builtin or llama); or best-of-K (--best-of) for openai servers",
    );
  if (o.steering && !isLocalModel(o.backend))
    bad(
      `steering with the ${o.backend.name} backend`,
      "control vectors need a local model (builtin or llama); openai servers are steered by best-of-K (--control dynamic)",
    );
}
