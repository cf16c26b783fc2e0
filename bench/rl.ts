/**
 * Control's costs (issue 12, bench/rl), each beside its baseline in the same process, on the shipped SFT policy:
 *   1. RL rollouts: llama.cpp on the policy exported as GGUF (export + load + sample, what `--rollouts llama` pays
 *      each step) beside the engine's own KV-cached decoder (same weights, same steering, same prompt);
 *   2. static control: llama.cpp decoding with a control vector beside the same decoding without one;
 *   3. dynamic control: the sentence-level decoder (a strength decision and a reward-model call on the prefix at
 *      every sentence) beside unsteered decoding: wall time and reward-model calls per idea;
 *   4. best-of-K per sentence (what openai servers get instead of control vectors), here over llama.cpp's raw-text
 *      completion without HTTP: K candidates per sentence, all scored; wall time per kept token and tokens sampled,
 *      each candidate stopped at its first sentence end (a local model) beside sampled to the sentence budget and
 *      cut after (a server without that stop); under a static control vector with the centred objective (`--control static+best-of-k`), and under the
 *      strengths the decoder sets before each sentence (`--control dynamic+best-of-k`); under both vectors, each
 *      round's K candidates decoded together (one llama_decode per token for all K) beside one at a time, the ideas
 *      checked to be the same.
 *
 *   npx tsx bench/rl.ts [--ideas 4] [--tokens 256] [--threads 1]
 */
import { rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { createRng } from "../src/core/index.js";
import {
  createLlama,
  llamaWeights,
  loadLlamaWeights,
  loadTokenizer,
  setNumThreads,
  writeLlamaGguf,
} from "../src/engine/index.js";
import { branchCompletions, POLICY_END, policyPromptText, steeredCompletion } from "../src/ideas/index.js";
import { openLlama, SHIPPED_POLICY_PATH } from "../src/llm/index.js";
import { loadRewardModel, SHIPPED_TRANSFORMER_RM_DIR, scoreIdeas } from "../src/reward/index.js";
import {
  type BestOfKObjective,
  type CompleteMany,
  combineControllers,
  createDecider,
  generateBestOfK,
  generateWithDynamicControl,
  initDecoder,
} from "../src/steer/index.js";
import { SAMPLE_PAPER } from "../src/testing/index.js";
import { loadBaseModel, openRolloutSampler, resolveRlConfig } from "../src/train/index.js";
import { benchArg } from "./bench-arg.js";

const ideas = Number(benchArg("ideas", "4"));
const tokens = Number(benchArg("tokens", "256"));
const threads = Number(benchArg("threads", "1"));
setNumThreads(threads);

const base = loadBaseModel(SHIPPED_POLICY_PATH);
const policy = createLlama(base.llamaConfig, { seed: 1 });
loadLlamaWeights(policy, base.weights);
const tokenizer = loadTokenizer(base.tokenizerPath);
const cfg = resolveRlConfig({ maxNewTokens: tokens, threads, temperature: 1 });
const runDir = join(tmpdir(), `ideasteer-bench-rl-${process.pid}.gguf`);
const end = tokenizer.tokenId("<|end|>");
const prompt = tokenizer.encode(
  "<|paper|>Title: Sparse attention for long documents\nAbstract: We make attention sparse so that long documents fit in memory and train faster.<|idea|>",
);
// A fixed steering vector on every layer from 1: both samplers pay for it.
const steer = Array.from({ length: policy.config.nLayers }, (_, l) =>
  l === 0 ? undefined : Float32Array.from({ length: policy.config.dModel }, (_, j) => Math.sin(j) * 0.05),
);
// What train rl does before each batch: the policy's current weights as a GGUF for llama.cpp.
const exportPolicy = () => {
  writeLlamaGguf(runDir, {
    config: policy.config,
    weights: llamaWeights(policy),
    tokenizer: tokenizer.toGgufTokenizer(),
    fileType: "F32",
    name: "bench",
  });
  return runDir;
};

const rows: { what: string; tokens: number; s: number }[] = [];
for (const rollouts of ["engine", "llama"] as const) {
  const t0 = performance.now();
  const sampler = await openRolloutSampler({ cfg: { ...cfg, rollouts }, policy, exportPolicy });
  const rng = createRng(1);
  let n = 0;
  for (let i = 0; i < ideas; i++) n += (await sampler.sample(prompt, steer, rng, end)).ids.length;
  await sampler.close();
  rows.push({
    what: rollouts === "llama" ? "llama.cpp (export + load + sample)" : "baseline: engine KV-cached decoder",
    tokens: n,
    s: (performance.now() - t0) / 1000,
  });
}
rmSync(runDir, { force: true });

const engineRow = rows[0] as { tokens: number; s: number };

// 2 and 3: llama.cpp on the shipped policy, unsteered, static, dynamic; the same seeds in each.
const backend = await openLlama({ modelPath: SHIPPED_POLICY_PATH, contextSize: 4096, threads }); // the CLI's default context
const controllers = {
  vectors: { novelty: steer, feasibility: steer, effectiveness: steer },
  epsMax: 1,
  dir: "",
};
const decoder = initDecoder({ hidden: 16, epsMax: 1, sigma: 0.1, rng: createRng(3) });
const reward = loadRewardModel(SHIPPED_TRANSFORMER_RM_DIR);
let rmCalls = 0;
const weights = { novelty: 0.6, feasibility: 0.2, effectiveness: 0.2 };
const decode = async (mode: "none" | "static" | "dynamic") => {
  const t0 = performance.now();
  let n = 0;
  for (let i = 0; i < ideas; i++) {
    const sampling = { maxTokens: tokens, temperature: 1, seed: 100 + i, stopTokens: [end] };
    if (mode === "dynamic") {
      const g = await generateWithDynamicControl(
        backend,
        prompt,
        {
          controllers,
          decoder,
          weights,
          score: (texts) => {
            rmCalls++;
            return scoreIdeas(texts, { model: reward });
          },
        },
        sampling,
      );
      n += g.tokens.length;
      continue;
    }
    if (mode === "static") backend.setControlVector(combineControllers(controllers, [0.6, 0.2, 0.2]), 1);
    n += (await backend.generate(prompt, sampling)).tokens.length;
    backend.clearControlVector();
  }
  return { tokens: n, s: (performance.now() - t0) / 1000 };
};
const plain = await decode("none");
const fixed = await decode("static");
const dyn = await decode("dynamic");
const bestOf = Number(benchArg("best-of", "4"));
/** Best-of-K over raw-text completion: plain (weighted, what a server gets) or under the static vector (centred). */
const bestOfRun = async (
  complete: Parameters<typeof generateBestOfK>[0],
  objective: BestOfKObjective,
  beforeRound?: (text: string) => Promise<void>,
  many?: CompleteMany,
) => {
  const r = { tokens: 0, s: 0, generated: 0, scored: 0, texts: [] as string[] };
  const t0 = performance.now();
  const text = policyPromptText(SAMPLE_PAPER);
  for (let i = 0; i < ideas; i++) {
    const o = {
      k: bestOf,
      weights,
      objective,
      beforeRound,
      score: (texts: string[]) => scoreIdeas(texts, { model: reward }),
    };
    const g = await generateBestOfK(
      complete,
      text,
      o,
      { maxTokens: tokens, temperature: 1, seed: 100 + i, stop: [POLICY_END] },
      many,
    );
    r.texts.push(g.text);
    r.tokens += (await backend.tokenize(g.text)).length;
    r.generated += g.cost.generatedTokens;
    r.scored += g.cost.scoredTexts;
  }
  r.s = (performance.now() - t0) / 1000;
  return r;
};
// Before: each candidate sampled to the sentence budget and cut after (what a server without our stop does).
const wholeBudget = await bestOfRun((p, { onToken: _stop, ...s }) => backend.complete(p, s), "weighted");
const best = await bestOfRun(async (p, s) => {
  const { tokens: _tokens, ...g } = await backend.generate(p, s); // a local model stops at the sentence end
  return g;
}, "weighted");
const staticVector = combineControllers(controllers, [0.6, 0.2, 0.2]);
const steeredBest = await bestOfRun(
  steeredCompletion(backend, () => staticVector),
  "centred",
);
// The same under each vector, a round's K candidates decoded together (one llama_decode per token for all K).
const steeredTogether = await bestOfRun(
  steeredCompletion(backend, () => staticVector),
  "centred",
  undefined,
  branchCompletions(backend, () => staticVector),
);
const decidedRun = async (together: boolean) => {
  const decider = createDecider({ controllers, decoder, weights, score: (t) => scoreIdeas(t, { model: reward }) });
  let decided = staticVector;
  const run = await bestOfRun(
    steeredCompletion(backend, () => decided),
    "centred",
    async (text) => {
      decided = await decider.decide(text);
    },
    together ? branchCompletions(backend, () => decided) : undefined,
  );
  return { ...run, decisions: decider.decisions.length };
};
const decidedBest = await decidedRun(false);
const decidedTogether = await decidedRun(true);
await backend.close();

console.log(
  `\n${new Date().toISOString()}, load average ${loadavg()[0]?.toFixed(1)}, ${ideas} ideas x <= ${tokens} tokens, ${threads} threads\n`,
);
console.log("| sampler | tokens | wall s | tokens/s | speed vs engine |\n|---|---:|---:|---:|---:|");
for (const r of rows)
  console.log(
    `| ${r.what} | ${r.tokens} | ${r.s.toFixed(2)} | ${Math.round(r.tokens / r.s)} | ${(r.tokens / r.s / (engineRow.tokens / engineRow.s)).toFixed(2)}x |`,
  );
const perToken = (r: { tokens: number; s: number }) => (1000 * r.s) / r.tokens;
console.log(
  "\n| llama.cpp decoding | tokens | wall s | ms/token | overhead vs unsteered | reward-model calls per idea |\n|---|---:|---:|---:|---:|---:|",
);
for (const [name, r, calls] of [
  ["baseline: unsteered", plain, 0],
  ["static control vector", fixed, 0],
  ["dynamic: decoder + prefix scores per sentence", dyn, rmCalls / ideas],
  [
    `best-of-${bestOf} per sentence, candidates sampled to the budget (tokens kept)`,
    wholeBudget,
    wholeBudget.scored / ideas,
  ],
  [`best-of-${bestOf} per sentence, candidates stopped at their sentence end (tokens kept)`, best, best.scored / ideas],
  [`static vector + centred best-of-${bestOf} per sentence (tokens kept)`, steeredBest, steeredBest.scored / ideas],
  [
    `decoder's vector + centred best-of-${bestOf} per sentence (tokens kept)`,
    decidedBest,
    (decidedBest.scored + decidedBest.decisions) / ideas,
  ],
  [
    `static vector + centred best-of-${bestOf}, candidates decoded together (tokens kept)`,
    steeredTogether,
    steeredTogether.scored / ideas,
  ],
  [
    `decoder's vector + centred best-of-${bestOf}, candidates decoded together (tokens kept)`,
    decidedTogether,
    (decidedTogether.scored + decidedTogether.decisions) / ideas,
  ],
] as const)
  console.log(
    `| ${name} | ${r.tokens} | ${r.s.toFixed(2)} | ${perToken(r).toFixed(2)} | ${((perToken(r) / perToken(plain) - 1) * 100).toFixed(1)}% | ${calls.toFixed(1)} |`,
  );
for (const [name, r] of [
  ["to the budget", wholeBudget],
  ["stopped at the sentence end", best],
] as const)
  console.log(
    `\nbest-of-${bestOf}, ${name}: ${r.generated} tokens sampled for ${r.tokens} kept (${(r.generated / Math.max(1, r.tokens)).toFixed(1)}x), ${(r.scored / ideas).toFixed(1)} texts scored per idea, ${r.s.toFixed(2)} s`,
  );
console.log(
  `stopping at the sentence end: ${(wholeBudget.s / best.s).toFixed(2)}x the speed of sampling to the budget`,
);
for (const [name, alone, together] of [
  ["static vector", steeredBest, steeredTogether],
  ["decoder's vector", decidedBest, decidedTogether],
] as const)
  console.log(
    `best-of-${bestOf} under the ${name}, a round's candidates decoded together: ${(alone.s / together.s).toFixed(2)}x the speed of one at a time; the same ideas: ${alone.texts.every((t, i) => t === together.texts[i]) ? "yes" : "no"}`,
  );
