import { z } from "zod";
import { LOG_LEVELS } from "../core/log.js";

/**
 * The whole configuration, one zod schema per section. Every field has its default and description
 * here; the CLI's flags, the environment (IDEASTEER_<SECTION>_<FIELD>) and config files map onto it.
 * Paths left empty are derived from `home` by `resolvePaths`.
 */
export const LogConfig = z.object({
  level: z.enum(LOG_LEVELS).default("info").describe("minimum log level"),
  format: z
    .enum(["auto", "json", "text"])
    .default("auto")
    .describe("json lines, text, or text on a TTY and json otherwise"),
});

export const LibraryConfig = z.object({
  dbPath: z.string().default("").describe("SQLite file of the paper library (default <home>/library.sqlite)"),
  batchSize: z.number().int().min(1).max(100_000).default(2000).describe("papers per ingest transaction"),
  maxLineBytes: z
    .number()
    .int()
    .min(1024)
    .default(16 * 1024 * 1024)
    .describe("longest JSONL line accepted; longer lines are reported and skipped"),
});

export const LlmConfig = z.object({
  backend: z.enum(["builtin", "llama", "openai"]).default("builtin").describe("which LLM backend to use"),
  modelPath: z.string().default("").describe("GGUF file for the llama backend (builtin: default model)"),
  baseUrl: z.string().default("http://127.0.0.1:8000/v1").describe("OpenAI-compatible server base URL"),
  apiKey: z.string().default("").describe("API key for the OpenAI-compatible server"),
  model: z.string().default("").describe("model name sent to the OpenAI-compatible server"),
  threads: z.number().int().min(1).default(1).describe("decode threads for llama.cpp (1 is fastest on 2 cores)"),
  contextSize: z.number().int().min(64).default(4096).describe("context window for local models"),
});

export const Config = z.object({
  home: z.string().default("").describe("folder holding the database, models and runs (default ~/.ideasteer)"),
  log: LogConfig.default(LogConfig.parse({})),
  library: LibraryConfig.default(LibraryConfig.parse({})),
  llm: LlmConfig.default(LlmConfig.parse({})),
});
export type Config = z.infer<typeof Config>;
