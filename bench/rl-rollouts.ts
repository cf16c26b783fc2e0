/**
 * RL rollout sampling speed (issue 12 §1: "rollouts through llama.cpp where that is faster than the engine"): the
 * shipped SFT policy samples ideas for real training papers, steered by a control vector, through
 *   - llama.cpp on the policy exported as GGUF (what `train rl` uses), including the export and model load each
 *     step costs, and
 *   - the engine's own KV-cached decoder (the baseline, same weights, same steering),
 * in the same process, one after the other, the same prompts and token budget. Prints tokens per second and the ratio.
 *
 *   npx tsx bench/rl-rollouts.ts [--ideas 8] [--tokens 256] [--threads 2]
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
import { SHIPPED_POLICY_PATH } from "../src/llm/index.js";
import { loadBaseModel, openRolloutSampler, resolveRlConfig } from "../src/train/index.js";
import { benchArg } from "./bench-arg.js";

const ideas = Number(benchArg("ideas", "8"));
const tokens = Number(benchArg("tokens", "256"));
const threads = Number(benchArg("threads", "2"));
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
console.log(
  `\n${new Date().toISOString()}, load average ${loadavg()[0]?.toFixed(1)}, ${ideas} ideas x <= ${tokens} tokens, ${threads} threads\n`,
);
console.log("| sampler | tokens | wall s | tokens/s | speed vs engine |\n|---|---:|---:|---:|---:|");
for (const r of rows)
  console.log(
    `| ${r.what} | ${r.tokens} | ${r.s.toFixed(2)} | ${Math.round(r.tokens / r.s)} | ${(r.tokens / r.s / (engineRow.tokens / engineRow.s)).toFixed(2)}x |`,
  );
