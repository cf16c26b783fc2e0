import type { Command } from "commander";
import type { FlagValues } from "../config/index.js";
import { LlmConfig } from "../config/index.js";
import { floatFlag, intFlag } from "./context.js";

/** Flags of the commands that talk to an LLM; each maps one-to-one to an llm.* config field. */
export type LlmFlags = {
  backend?: string;
  modelPath?: string;
  baseUrl?: string;
  apiKey?: string;
  model?: string;
  timeoutS?: number;
  maxRetries?: number;
  concurrency?: number;
  budgetTokens?: number;
  budgetUsd?: number;
  cache?: string;
  threads?: number;
  contextSize?: number;
  kvCache?: string;
};

const desc = (key: keyof typeof LlmConfig.shape): string => LlmConfig.shape[key].description ?? "";

/** Adds the LLM flags to `cmd`: which backend, the GGUF file or the server, the server's limits, the local context. */
export function addLlmOptions(cmd: Command): Command {
  return cmd
    .option("--backend <name>", `${desc("backend")}: builtin | llama | openai`)
    .option("--model-path <file>", desc("modelPath"))
    .option("--base-url <url>", desc("baseUrl"))
    .option("--api-key <key>", `${desc("apiKey")} (IDEASTEER_LLM_API_KEY keeps it out of the process list)`)
    .option("--model <name>", desc("model"))
    .option("--timeout-s <s>", desc("timeoutS"), floatFlag("--timeout-s"))
    .option("--max-retries <n>", desc("maxRetries"), intFlag("--max-retries"))
    .option("--concurrency <n>", desc("concurrency"), intFlag("--concurrency"))
    .option("--budget-tokens <n>", desc("budgetTokens"), intFlag("--budget-tokens"))
    .option("--budget-usd <usd>", desc("budgetUsd"), floatFlag("--budget-usd"))
    .option("--cache <kind>", `${desc("cache")}: off | memory | disk`)
    .option("--threads <n>", desc("threads"), intFlag("--threads"))
    .option("--context-size <n>", desc("contextSize"), intFlag("--context-size"))
    .option("--kv-cache <type>", `${desc("kvCache")}: f32 | f16`);
}

/** The flags given, keyed by config path for contextFor; flags not given stay undefined. */
export const llmFlagValues = (f: LlmFlags): FlagValues => ({
  "llm.backend": f.backend,
  "llm.modelPath": f.modelPath,
  "llm.baseUrl": f.baseUrl,
  "llm.apiKey": f.apiKey,
  "llm.model": f.model,
  "llm.timeoutS": f.timeoutS,
  "llm.maxRetries": f.maxRetries,
  "llm.concurrency": f.concurrency,
  "llm.budgetTokens": f.budgetTokens,
  "llm.budgetUsd": f.budgetUsd,
  "llm.cache": f.cache,
  "llm.threads": f.threads,
  "llm.contextSize": f.contextSize,
  "llm.kvCache": f.kvCache,
});
