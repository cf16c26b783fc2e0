import type { Command } from "commander";
import type { FlagValues } from "../config/index.js";
import { LlmConfig } from "../config/index.js";
import { type LlmBackend, openBackend } from "../llm/index.js";
import { addConfigFlags, configFlags, configFlagValues, type FlagsOf } from "./config-flags.js";
import type { CliContext } from "./context.js";

/** Flags of the commands that talk to an LLM: which backend, the GGUF file or the server, the server's limits, the local context. */
export const LLM_FLAGS = configFlags({
  section: "llm",
  schema: LlmConfig,
  fields: {
    backend: "<name>",
    modelPath: "<file>",
    baseUrl: "<url>",
    apiKey: { value: "<key>", note: " (IDEASTEER_LLM_API_KEY keeps it out of the process list)" },
    model: "<name>",
    timeoutS: "<s>",
    maxRetries: "<n>",
    concurrency: "<n>",
    budgetTokens: "<n>",
    budgetUsd: "<usd>",
    cache: "<kind>",
    threads: "<n>",
    contextSize: "<n>",
    kvCache: "<type>",
  },
});

export type LlmFlags = FlagsOf<typeof LLM_FLAGS>;

/** Adds the LLM flags to `cmd`. */
export const addLlmOptions = (cmd: Command): Command => addConfigFlags(cmd, LLM_FLAGS);

/** The LLM flags given, keyed by config path for contextFor; flags not given stay undefined. */
export const llmFlagValues = (f: LlmFlags): FlagValues => configFlagValues(LLM_FLAGS, f);

/**
 * Runs `fn` with the configured backend open and closes it afterwards, whatever `fn` does. With
 * `needed: false` nothing is opened and `fn` gets undefined (a command whose options need no LLM).
 */
export function withBackend<T>(
  ctx: CliContext & { needed: boolean },
  fn: (backend: LlmBackend | undefined) => Promise<T>,
): Promise<T>;
export function withBackend<T>(ctx: CliContext, fn: (backend: LlmBackend) => Promise<T>): Promise<T>;
export async function withBackend<T>(
  ctx: CliContext & { needed?: boolean },
  fn: (backend: LlmBackend) => Promise<T>,
): Promise<T> {
  const { config, log } = ctx;
  const backend =
    ctx.needed === false
      ? undefined
      : await openBackend(config.llm.backend, { llm: config.llm, home: config.home, log });
  try {
    return await fn(backend as LlmBackend); // undefined only under `needed: false`, whose overload takes it
  } finally {
    await backend?.close();
  }
}
