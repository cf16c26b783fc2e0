import type { FinishReason, StepwiseGeneration, StepwiseOptions } from "../backend.js";
import type { FfiContext } from "./ffi-context.js";
import { SamplerChain } from "./sampler-chain.js";
import { StopText } from "./stop-text.js";

/**
 * The step-wise decoding loop: evaluate the prompt (reusing the cached prefix computed under the
 * same control vector and LoRA), then sample, stream, check stops and budget, call the hook, and
 * evaluate the token, one token at a time.
 */
export async function generateTokens(
  ctx: FfiContext,
  prompt: readonly number[],
  opts: Omit<StepwiseOptions, "jsonSchema">, // the caller turns a JSON schema into `grammar`
): Promise<StepwiseGeneration> {
  if (prompt.length === 0) throw new RangeError("the prompt must hold at least one token");
  if (!(opts.maxTokens >= 0)) throw new RangeError(`maxTokens must be >= 0, got ${opts.maxTokens}`);
  const usage = { promptTokens: prompt.length, completionTokens: 0 };
  const tokens: number[] = [];
  if (opts.signal?.aborted) return { text: "", finishReason: "abort", usage, tokens };
  const cached = ctx.truncate(ctx.reusablePrefix(prompt));
  await ctx.evalTokens(prompt.slice(cached));

  const sampler = new SamplerChain(ctx.lib, ctx.model.vocab, opts);
  const utf8 = new TextDecoder("utf-8"); // streaming: a piece may end inside a multi-byte character
  const out = new StopText(opts.stop ?? []);
  const stopTokens = new Set(opts.stopTokens ?? []);
  const emit = (s: string) => {
    if (s) opts.onText?.(s);
  };
  let finishReason: FinishReason = "length";
  try {
    while (tokens.length < opts.maxTokens) {
      if (opts.signal?.aborted) {
        finishReason = "abort";
        break;
      }
      const token = sampler.sample(ctx.ptr, -1);
      if (ctx.model.isEog(token) || stopTokens.has(token)) {
        finishReason = "stop";
        break;
      }
      tokens.push(token);
      emit(out.push(utf8.decode(ctx.model.tokenBytes(token), { stream: true })));
      if (out.stopped) {
        finishReason = "stop";
        break;
      }
      if ((await opts.onToken?.({ token, index: tokens.length - 1, text: out.text })) === "stop") {
        finishReason = "stop";
        break;
      }
      if (tokens.length >= opts.maxTokens) break;
      if (ctx.tokens.length >= ctx.contextSize) break; // context full: ends as "length"
      await ctx.evalTokens([token]);
    }
    emit(out.push(utf8.decode()));
    emit(out.flush());
  } finally {
    sampler.close();
  }
  usage.completionTokens = tokens.length;
  return { text: out.text, finishReason, usage, tokens };
}
