import { z } from "zod";
import { LOG_LEVELS } from "../core/index.js";

/**
 * The whole configuration, one zod schema per section. Every field has its default and description
 * here; the CLI's flags, the environment (IDEASTEER_<SECTION>_<FIELD>) and config files map onto it.
 * Paths left empty are filled by `resolvePaths` (from `home`, or ../shared/data for data folders).
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
  maxDocumentBytes: z
    .number()
    .int()
    .min(1024)
    .default(64 * 1024 * 1024)
    .describe("largest whole-document input (PDF, Markdown, Atom, BibTeX); larger files are refused, not truncated"),
  pdfMaxPages: z.number().int().min(1).default(100).describe("PDFs with more pages are refused, not read in part"),
  maxFileBytes: z
    .number()
    .int()
    .min(1024)
    .default(16 * 1024 ** 3)
    .describe("largest input file read; larger ones are reported and not read (no file is read past its size)"),
  followLinks: z
    .boolean()
    .default(false)
    .describe("directories: follow symbolic links that lead out of the given tree (links inside it are followed)"),
  // Search cost grows with the square of a field's length (FTS5 snippets), so one huge record could stall every search.
  maxTitleChars: z.number().int().min(100).default(1_000).describe("longest title kept (characters)"),
  maxAbstractChars: z
    .number()
    .int()
    .min(1_000)
    .default(10_000)
    .describe("longest abstract kept (characters; real ones stay under 3,000)"),
  maxSectionChars: z
    .number()
    .int()
    .min(1_000)
    .default(200_000)
    .describe("longest full-text section kept (characters, per section)"),
  oversize: z
    .enum(["truncate", "skip"])
    .default("truncate")
    .describe("a record over a limit: keep it cut at a word boundary, or skip it as a bad record; reported either way"),
});
export type LibraryConfig = z.infer<typeof LibraryConfig>;

export const LlmConfig = z.object({
  backend: z.enum(["builtin", "llama", "openai"]).default("builtin").describe("which LLM backend to use"),
  modelPath: z.string().default("").describe("GGUF file for the llama backend (builtin: default model)"),
  baseUrl: z.string().default("http://127.0.0.1:8000/v1").describe("OpenAI-compatible server base URL"),
  apiKey: z.string().default("").describe("API key for the OpenAI-compatible server"),
  model: z.string().default("").describe("model name sent to the OpenAI-compatible server"),
  threads: z.number().int().min(1).default(1).describe("decode threads for llama.cpp (1 is fastest on 2 cores)"),
  contextSize: z.number().int().min(64).default(4096).describe("context window for local models"),
  kvCache: z
    .enum(["f32", "f16"])
    .default("f32")
    .describe("KV cache precision for local models: f32 gives exact logits, f16 halves its memory"),
  timeoutS: z.number().positive().default(120).describe("openai: seconds of server silence before giving up a try"),
  maxRetries: z.number().int().min(0).default(4).describe("openai: retries on 429, 5xx, timeouts, dropped connections"),
  retryBaseS: z.number().min(0).default(0.5).describe("openai: first backoff ceiling; doubles per retry, full jitter"),
  retryMaxS: z.number().min(0).default(30).describe("openai: largest backoff ceiling (a Retry-After wins)"),
  concurrency: z.number().int().min(1).default(4).describe("openai: requests in flight at most"),
  budgetTokens: z.number().int().min(0).default(0).describe("openai: most tokens to spend (0 = no limit)"),
  budgetUsd: z.number().min(0).default(0).describe("openai: dollars to spend at most (0 = no limit)"),
  promptUsdPer1k: z.number().min(0).default(0).describe("openai: price of 1000 prompt tokens in USD"),
  completionUsdPer1k: z.number().min(0).default(0).describe("openai: price of 1000 completion tokens in USD"),
  cache: z.enum(["off", "memory", "disk"]).default("disk").describe("openai: response cache (disk: <home>/cache)"),
  cacheForce: z.boolean().default(false).describe("openai: cache sampled requests too (temperature > 0, no seed)"),
});

export type LlmConfig = z.infer<typeof LlmConfig>;

export const ServerConfig = z.object({
  host: z.string().default("127.0.0.1").describe("address to bind; anything but loopback requires a token"),
  port: z.number().int().min(0).max(65535).default(8080).describe("TCP port (0 = any free port)"),
  token: z.string().default("").describe("bearer token clients must send (Authorization: Bearer <token>)"),
  rateLimit: z
    .number()
    .int()
    .min(-1)
    .default(-1)
    .describe("requests per minute per client (token or address); 0: none; -1: none on loopback, 600 beyond it"),
  rateBurst: z.number().int().min(1).default(60).describe("requests a client may send at once before the rate applies"),
});
export type ServerConfig = z.infer<typeof ServerConfig>;

/**
 * `ideasteer digest`: saved searches mailed to subscribers. The SMTP password is not a field: it is read from
 * IDEASTEER_SMTP_PASS only, so it never sits in a config file or the process list.
 */
export const DigestConfig = z.object({
  smtpHost: z.string().default("").describe("SMTP server that sends the digests (required to send)"),
  smtpPort: z
    .number()
    .int()
    .min(1)
    .max(65535)
    .default(587)
    .describe("SMTP port (465 with smtpSecure, 587 or 25 without)"),
  smtpSecure: z
    .boolean()
    .default(false)
    .describe("TLS from the first byte (port 465); false: STARTTLS when the server offers it"),
  smtpUser: z
    .string()
    .default("")
    .describe("SMTP login (the password comes from IDEASTEER_SMTP_PASS); empty: no login"),
  smtpTimeoutS: z
    .number()
    .positive()
    .default(30)
    .describe("seconds to connect, to get the greeting, and of silence on the connection before giving up"),
  from: z
    .string()
    .default("")
    .describe('sender of the digests, e.g. "ideasteer <digest@example.org>" (required to send)'),
  publicUrl: z
    .string()
    .refine((u) => u === "" || /^https?:\/\/[^\s"'<>]+$/.test(u), "publicUrl is an http:// or https:// URL")
    .default("")
    .describe(
      "where subscribers reach `ideasteer serve` (the unsubscribe link); default http://<server.host>:<server.port>",
    ),
  maxPapers: z
    .number()
    .int()
    .min(1)
    .max(100)
    .default(10)
    .describe("a new subscription's papers per email at most (the best BM25 matches; the email counts the rest)"),
  ideas: z
    .number()
    .int()
    .min(1)
    .max(16)
    .default(2)
    .describe("a new subscription's ideas per paper, best first by its weights"),
});
export type DigestConfig = z.infer<typeof DigestConfig>;

/** A data folder; left empty, `resolvePaths` fills in defaultSharedDataDir(). */
const dataDirField = (holding: string) =>
  z.string().default("").describe(`folder ${holding} (default ../shared/data beside the checkout)`);

export const DatasetsConfig = z.object({
  dataDir: dataDirField("holding papers/reviews/citations .jsonl.gz"),
  seed: z.number().int().min(0).default(1).describe("seed of the paper-level split"),
  limit: z
    .number()
    .int()
    .min(0)
    .default(0)
    .describe("0 = all; else the first N citing papers, plus the review rows of their papers and N others"),
  extractor: z.enum(["offline", "llm"]).default("offline").describe("golden-idea extractor"),
  supportPicker: z
    .enum(["top1", "llm"])
    .default("top1")
    .describe("supporting paper: the most-cited candidate, or the LLM's pick among the top K"),
  topK: z.number().int().min(1).max(100).default(10).describe("candidates kept per citing paper (LDC: 10)"),
  extraSupporting: z
    .number()
    .int()
    .min(0)
    .max(9)
    .default(0)
    .describe(
      "also write sft-extra.train.jsonl: each training pair again with the citing paper's next k candidates as the paper (training-split papers only)",
    ),
  valFraction: z.number().min(0).max(0.5).default(0.1).describe("share of papers in the validation split"),
  testFraction: z.number().min(0).max(0.5).default(0.1).describe("share of papers in the test split"),
  confidenceWeighted: z.boolean().default(false).describe("weight each reviewer's score by their confidence"),
  llmRetries: z.number().int().min(0).max(10).default(2).describe("extra attempts per LLM call before falling back"),
});
export type DatasetsConfig = z.infer<typeof DatasetsConfig>;

export const TrainConfig = z.object({
  dataDir: dataDirField("with the shared training data"),
});

export const JudgeConfig = z.object({
  topK: z.number().int().min(0).max(50).default(6).describe("related papers retrieved by BM25 on the idea text"),
  referenceK: z
    .number()
    .int()
    .min(0)
    .max(20)
    .default(2)
    .describe("plus the source paper's most-cited recent references (when the source is known)"),
  recentYears: z
    .number()
    .int()
    .min(0)
    .default(5)
    .describe("a reference is recent when at most this many years older than the source"),
  samples: z
    .number()
    .int()
    .min(1)
    .max(50)
    .default(1)
    .describe("judge samples averaged per idea (one sample decodes greedily)"),
  temperature: z.number().min(0).max(2).default(0.7).describe("sampling temperature when samples > 1"),
  seed: z.number().int().min(0).default(1).describe("seed of the judge's sampling"),
  maxAttempts: z
    .number()
    .int()
    .min(1)
    .max(10)
    .default(3)
    .describe("attempts per sample before the judge gives up (never guesses)"),
  maxTokens: z.number().int().min(64).default(900).describe("completion budget of one judge answer"),
  rationaleMaxChars: z
    .number()
    .int()
    .min(0)
    .max(1500)
    .default(500)
    .describe(
      "longest rationale per rubric (0: no string lengths in the schema, for servers whose strict mode refuses them)",
    ),
  maxAbstractChars: z.number().int().min(50).default(800).describe("characters of each paper's abstract in the prompt"),
  sanityChecks: z
    .boolean()
    .default(true)
    .describe("refuse answers whose rationales do not mention the idea or cited works (reported unusable, not scored)"),
  noveltyMethod: z
    .enum(["tfidf", "embedding"])
    .default("tfidf")
    .describe("retrieval novelty: TF-IDF cosine, or the backend's embeddings"),
  noveltyTopK: z.number().int().min(1).max(100).default(10).describe("papers retrieval novelty compares the idea with"),
});
export type JudgeConfig = z.infer<typeof JudgeConfig>;

export const Config = z.object({
  home: z.string().default("").describe("folder holding the database, models and runs (default ~/.ideasteer)"),
  log: LogConfig.default(LogConfig.parse({})),
  library: LibraryConfig.default(LibraryConfig.parse({})),
  llm: LlmConfig.default(LlmConfig.parse({})),
  train: TrainConfig.default(TrainConfig.parse({})),
  datasets: DatasetsConfig.default(DatasetsConfig.parse({})),
  server: ServerConfig.default(ServerConfig.parse({})),
  judge: JudgeConfig.default(JudgeConfig.parse({})),
  digest: DigestConfig.default(DigestConfig.parse({})),
});
export type Config = z.infer<typeof Config>;
