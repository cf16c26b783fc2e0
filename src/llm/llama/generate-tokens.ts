import type { ControlVector, FinishReason, StepwiseGeneration, StepwiseOptions } from "../backend.js";
import type { FfiContext } from "./ffi-context.js";
import { SamplerChain } from "./sampler-chain.js";
import { StopText } from "./stop-text.js";

type Options = Omit<StepwiseOptions, "jsonSchema">; // the caller turns a JSON schema into `grammar`

/**
 * The step-wise decoding loop: evaluate the prompt (reusing the cached prefix computed under the
 * same control vector and LoRA), then sample, stream, check stops and budget, call the hook, and
 * evaluate the token, one token at a time.
 */
export async function generateTokens(
  ctx: FfiContext,
  prompt: readonly number[],
  opts: Options,
): Promise<StepwiseGeneration> {
  checkRequest(prompt, [opts]);
  if (opts.signal?.aborted) return aborted(prompt);
  await readPrompt(ctx, prompt);
  const c = new Continuation(ctx, opts, prompt.length);
  try {
    for (let token = await c.next(-1); token !== null; token = await c.next(-1)) {
      if (ctx.tokens.length >= ctx.contextSize) break; // context full: ends as "length"
      await ctx.evalTokens([token]);
    }
    return c.result();
  } finally {
    c.close();
  }
}

/**
 * Several continuations of one prompt decoded together: the prompt is read once (sequence 0, cached as
 * `generateTokens` caches it), each continuation is a sequence of its own that starts on the prompt's cells, and each
 * step decodes one token of every continuation still going in one batch. Continuation i samples with its own options
 * (seed, budget, stops, hook), so it writes what `generateTokens` writes with them, up to the last bits of the logits
 * (a batch of rows sums in another order). `vectorFor(i, text)` gives the control vector continuation i's next token
 * is read under, from its text so far (null: none); continuations that want different vectors are decoded in one
 * batch per vector. Without it every token is read under the adapters in force.
 */
export async function generateBranches(
  ctx: FfiContext,
  prompt: readonly number[],
  branches: readonly Options[],
  vectorFor?: (branch: number, text: string) => ControlVector | null,
): Promise<StepwiseGeneration[]> {
  checkRequest(prompt, branches);
  if (branches.length > ctx.branches)
    throw new RangeError(`${branches.length} continuations; this context decodes ${ctx.branches} together`);
  if (branches.every((b) => b.signal?.aborted)) return branches.map(() => aborted(prompt)); // each checks its own after
  await readPrompt(ctx, prompt);
  const cs = branches.map((b) => new Continuation(ctx, b, prompt.length));
  ctx.forkBranches(cs.length);
  let applied: ControlVector | null | undefined; // the vector last set here (undefined: none set yet)
  try {
    // Every continuation samples its first token from the prompt's last logits.
    let going = await sampleNext(cs.map((c, i) => ({ c, i, idx: -1 })));
    while (going.length > 0) {
      const next: Going[] = [];
      for (const [vector, members] of groupBy(going, (g) => vectorFor?.(g.i, g.c.text))) {
        if (vector !== undefined && vector !== applied) {
          if (vector === null) ctx.clearControlVector();
          else ctx.setControlVector(vector, 1);
          applied = vector;
        }
        await ctx.evalBranchTokens(members.map((m) => ({ seq: m.i + 1, token: m.token, pos: m.pos })));
        // Sampled before the next group's decode overwrites the logits.
        next.push(...(await sampleNext(members.map((m, idx) => ({ c: m.c, i: m.i, idx })))));
      }
      going = next.filter((g) => g.pos < ctx.contextSize); // context full: that continuation ends as "length"
    }
    return cs.map((c) => c.result());
  } finally {
    ctx.dropBranches(cs.length);
    for (const c of cs) c.close();
  }
}

/** A continuation that goes on: the token it sampled, to be read at its position in sequence i + 1. */
type Going = { c: Continuation; i: number; token: number; pos: number };

/** Samples each continuation's next token from output idx of the last decode; keeps those that go on. */
async function sampleNext(from: { c: Continuation; i: number; idx: number }[]): Promise<Going[]> {
  const out: Going[] = [];
  for (const { c, i, idx } of from) {
    const token = await c.next(idx);
    if (token !== null) out.push({ c, i, token, pos: c.lastPosition });
  }
  return out;
}

function groupBy<T, K>(xs: readonly T[], key: (x: T) => K): Map<K, T[]> {
  const m = new Map<K, T[]>();
  for (const x of xs) {
    const k = key(x);
    const list = m.get(k);
    if (list) list.push(x);
    else m.set(k, [x]);
  }
  return m;
}

function checkRequest(prompt: readonly number[], options: readonly Options[]): void {
  if (prompt.length === 0) throw new RangeError("the prompt must hold at least one token");
  for (const o of options) if (!(o.maxTokens >= 0)) throw new RangeError(`maxTokens must be >= 0, got ${o.maxTokens}`);
}

const aborted = (prompt: readonly number[]): StepwiseGeneration => ({
  text: "",
  finishReason: "abort",
  usage: { promptTokens: prompt.length, completionTokens: 0 },
  tokens: [],
});

/** Evaluates the prompt, reusing the cached prefix computed under the same control vector and LoRA. */
async function readPrompt(ctx: FfiContext, prompt: readonly number[]): Promise<void> {
  const cached = ctx.truncate(ctx.reusablePrefix(prompt));
  await ctx.evalTokens(prompt.slice(cached));
}

/**
 * One continuation's state: its sampler, text (streamed, stop sequences held back), tokens and why it ended. `next`
 * samples a token and says whether it is to be evaluated (the token) or the continuation ended (null).
 */
class Continuation {
  readonly tokens: number[] = [];
  private finishReason: FinishReason = "length";
  private ended = false;
  private readonly sampler: SamplerChain;
  private readonly utf8 = new TextDecoder("utf-8"); // streaming: a piece may end inside a multi-byte character
  private readonly out: StopText;
  private readonly stopTokens: Set<number>;

  constructor(
    private readonly ctx: FfiContext,
    private readonly opts: Options,
    private readonly promptLength: number,
  ) {
    this.sampler = new SamplerChain(ctx.lib, ctx.model.vocab, opts);
    this.out = new StopText(opts.stop ?? []);
    this.stopTokens = new Set(opts.stopTokens ?? []);
  }

  get text(): string {
    return this.out.text;
  }

  /** The position of the continuation's last token in its sequence (the prompt holds 0 … promptLength − 1). */
  get lastPosition(): number {
    return this.promptLength + this.tokens.length - 1;
  }

  async next(idx: number): Promise<number | null> {
    if (this.ended) return null;
    if (this.tokens.length >= this.opts.maxTokens) return this.end("length");
    if (this.opts.signal?.aborted) return this.end("abort");
    const token = this.sampler.sample(this.ctx.ptr, idx);
    if (this.ctx.model.isEog(token) || this.stopTokens.has(token)) return this.end("stop");
    this.tokens.push(token);
    this.emit(this.out.push(this.utf8.decode(this.ctx.model.tokenBytes(token), { stream: true })));
    if (this.out.stopped) return this.end("stop");
    const hook = await this.opts.onToken?.({ token, index: this.tokens.length - 1, text: this.out.text });
    if (hook === "stop") return this.end("stop");
    if (this.tokens.length >= this.opts.maxTokens) return this.end("length");
    return token;
  }

  private end(reason: FinishReason): null {
    this.finishReason = reason;
    this.ended = true;
    return null;
  }

  private emit(s: string): void {
    if (s) this.opts.onText?.(s);
  }

  result(): StepwiseGeneration {
    this.emit(this.out.push(this.utf8.decode()));
    this.emit(this.out.flush());
    return {
      text: this.out.text,
      finishReason: this.finishReason,
      usage: { promptTokens: this.promptLength, completionTokens: this.tokens.length },
      tokens: this.tokens,
    };
  }

  close(): void {
    this.sampler.close();
  }
}
