import { dirname, join } from "node:path";
import type { Command } from "commander";
import { ServerConfig } from "../../config/index.js";
import { DigestStore } from "../../digest/index.js";
import type { Scores } from "../../idea/index.js";
import { generateIdeas, IdeaStore, type SourcePaper } from "../../ideas/index.js";
import { DenseIndex } from "../../library/index.js";
import { isLocalModel, type LlmBackend } from "../../llm/index.js";
import { createScoreCache, loadRewardModel, SHIPPED_REWARD_MODEL_DIR, scoreIdeas } from "../../reward/index.js";
import { createTurns, type IdeasApiDeps, isLoopbackHost, startServer, WEB_UI_DIR } from "../../server/index.js";
import { type BestOfKObjective, loadControllerSet, staticSteering } from "../../steer/index.js";
import { addConfigFlags, configFlags, configFlagValues, type FlagsOf } from "../config-flags.js";
import { type CliContext, contextFor } from "../context.js";
import {
  availableControls,
  controlHashes,
  controlOptions,
  embedTexts,
  type LibraryHandle,
  modelHashes,
  openLibrary,
  relatedWork,
  SAMPLING_DEFAULTS,
  withPolicyDefault,
} from "../idea-generation.js";
import { addLlmOptions, type LlmFlags, llmFlagValues, withBackend } from "../llm-options.js";
import type { RegisterCommands } from "./index.js";

const SERVE_FLAGS = configFlags({
  section: "server",
  schema: ServerConfig,
  fields: {
    host: "<address>",
    port: "<n>",
    token: { value: "<token>", note: "; IDEASTEER_SERVER_TOKEN keeps it out of the process list" },
    rateLimit: "<per-minute>",
    rateBurst: "<n>",
  },
});

type ServeFlags = LlmFlags &
  FlagsOf<typeof SERVE_FLAGS> & {
    modelId?: string;
    rewardRoutes?: boolean;
    rewardModel?: string;
    ui: boolean;
    index?: boolean;
  };

export const registerServeCommands: RegisterCommands = (program: Command) => {
  const serve = program
    .command("serve")
    .description("serve the configured LLM backend as an OpenAI-compatible API under /v1 (Ctrl-C stops)");
  addConfigFlags(addLlmOptions(serve), SERVE_FLAGS)
    .option("--model-id <name>", "model name clients send (default: the GGUF file's name or llm.model)")
    .option(
      "--reward-routes",
      "also serve the reward models: POST /reward/openrlhf (OpenRLHF --remote_rm_url) and /api/rewards",
    )
    .option("--reward-model <dir>", "reward model folder for scoring and the reward routes (default: the shipped one)")
    .option("--no-ui", "do not serve the web UI at / (the API routes stay)")
    .option(
      "--index",
      "bring the library's dense index up to date in the background (new and changed papers); hybrid search uses it once built",
    )
    .addHelpText(
      "after",
      `
Examples:
  $ ideasteer serve --backend llama --model-path ./qwen2.5-0.5b-instruct-q8_0.gguf --port 8080
  $ curl http://127.0.0.1:8080/v1/chat/completions -H 'content-type: application/json' \\
      -d '{"messages":[{"role":"user","content":"Hi"}],"max_tokens":32,"stream":true}'
  $ ideasteer serve --reward-routes --port 5000   # OpenRLHF: --remote_rm_url http://127.0.0.1:5000/reward/openrlhf
  $ IDEASTEER_SERVER_TOKEN=s3cret ideasteer serve --host 0.0.0.0   # beyond loopback a token is required`,
    )
    .action(async (flags: ServeFlags, cmd: Command) => {
      // builtin serves the shipped policy, so /api/ideas generates with the model trained for it.
      const ctx = withPolicyDefault(
        contextFor(cmd, { ...llmFlagValues(flags), ...configFlagValues(SERVE_FLAGS, flags) }),
      );
      await withBackend(ctx, (backend) =>
        serveUntilInterrupted({
          ...ctx,
          backend,
          modelId: flags.modelId,
          rewardDir: flags.rewardModel ?? SHIPPED_REWARD_MODEL_DIR,
          rewardRoutes: flags.rewardRoutes ?? false,
          ui: flags.ui,
          index: flags.index ?? false,
        }),
      );
    });
};

/** Serves `backend` under /v1 until SIGINT or SIGTERM, then closes the server (the caller closes the backend). */
async function serveUntilInterrupted(
  opts: CliContext & {
    backend: LlmBackend;
    modelId?: string;
    rewardDir: string;
    rewardRoutes: boolean;
    ui: boolean;
    index: boolean;
  },
): Promise<void> {
  const { backend, config, log } = opts;
  // "llama:qwen.gguf" -> "qwen", "openai:gpt-4o" -> "gpt-4o"
  const modelId = opts.modelId ?? backend.name.replace(/^[a-z]+:/, "").replace(/\.gguf$/i, "");
  const dbPath = config.library.dbPath;
  const handle = openLibrary(dbPath, log);
  const library = handle?.store ?? null;
  const history = IdeaStore.open(dbPath); // what /api/ideas generates is kept, with its provenance, like `generate`
  const digest = DigestStore.open(dbPath); // answers the unsubscribe links of `digest run`'s emails
  const run = `serve-${new Date().toISOString().slice(0, 19)}`;
  const rewardModel = loadRewardModel(opts.rewardDir);
  const scoreCache = createScoreCache(); // shared: /api/ideas and the reward routes rescore the same texts
  const controllersDir = config.llm.modelPath ? dirname(config.llm.modelPath) : undefined;
  const score = (texts: string[]) => scoreIdeas(texts, { model: rewardModel, cache: scoreCache });
  const turns = createTurns();
  // What /api/ideas can run here: best-of-K on a local model, static and dynamic with controllers (and a decoder).
  const controls = availableControls(controllersDir, isLocalModel(backend));
  // Hashed once per (control, objective): a fitted best-of-K objective adds its fit's hash.
  const controlModels = new Map<string, Record<string, string>>();
  const controlModelsOf = (control: string, objective: BestOfKObjective) => {
    const key = `${control}:${objective}`;
    const known = controlModels.get(key);
    if (known) return known;
    const hashes = controls.includes(control as (typeof controls)[number])
      ? controlHashes(control, controllersDir, objective)
      : {};
    controlModels.set(key, hashes);
    return hashes;
  };
  const ideas: IdeasApiDeps = {
    // One generation at a time, shared with /v1: a request's control vector must not reach another's tokens.
    generate: (paper, o) =>
      turns.iterate(() =>
        generateIdeas(paper, {
          backend,
          n: o.n,
          seed: o.seed,
          ...SAMPLING_DEFAULTS,
          rewardModel,
          scoreCache,
          related: relatedWork(handle, paper),
          signal: o.signal,
          sentences: o.sentences,
          ...controlOptions(o.control, {
            controllersDir,
            openai: false,
            bestOf: o.bestOf,
            bestOfObjective: o.bestOfObjective,
            weights: o.weights,
            score,
          }),
        }),
      ),
    controls,
    findPaper: (id) => {
      const p = library?.get(id);
      return p ? { id: p.id, title: p.title, abstract: p.abstract } : null;
    },
    meta: { backend: backend.name, models: modelHashes(opts, opts.rewardDir) },
    controlModels: controlModelsOf,
    save: (r, paper) => history.save([{ ...r, run, paper: savedPaper(paper) }])[0] as number,
    embed: (texts) => embedTexts(handle, texts),
  };
  const server = await startServer({
    backend,
    modelId,
    ideas,
    rewards: opts.rewardRoutes ? { model: rewardModel, cache: scoreCache } : undefined,
    log,
    host: config.server.host,
    port: config.server.port,
    token: config.server.token || undefined,
    rateLimit: rateLimitOf(config.server),
    turns,
    // A chat's weights steer through the same controllers as static control.
    steer: controls.includes("static") ? chatSteering(controllersDir as string) : undefined,
    library: handle ?? undefined, // read per request: a background index build swaps its dense index in
    history: { store: history, bibLookup: (id) => library?.get(id) ?? null },
    runsRoot: join(config.home, "runs"),
    webUi: opts.ui ? WEB_UI_DIR : undefined,
    digest: { store: digest },
  });
  const rewards = opts.rewardRoutes ? `, rewards at ${server.url}/reward/openrlhf and /api/rewards` : "";
  const ui = opts.ui ? `, the web UI at ${server.url}/` : "";
  process.stdout.write(
    `serving ${modelId} (${backend.name}) at ${server.url}/v1, ideas at ${server.url}/api/ideas${rewards}${ui}\n`,
  );
  const indexing = opts.index && handle ? indexInBackground(dbPath, handle, log) : null;
  await interrupted();
  log.info("shutting down");
  await indexing?.stop();
  await server.close();
  digest.close();
  history.close();
  handle?.close();
}

const savedPaper = (p: SourcePaper) => ({ id: p.id ?? null, title: p.title, abstract: p.abstract });

/**
 * `serve --index`: an incremental build of the dense index beside serving (batches of 100 papers, each committed,
 * the event loop free between them); when it ends the library handle reads the new vectors.
 */
function indexInBackground(dbPath: string, handle: LibraryHandle, log: CliContext["log"]) {
  const abort = new AbortController();
  let lastLog = 0;
  const done = (async () => {
    const writer = DenseIndex.open(dbPath);
    try {
      const r = await writer.build({
        batch: 100,
        signal: abort.signal,
        onProgress: (n, total) => {
          if (Date.now() - lastLog < 5_000 && n < total) return;
          lastLog = Date.now();
          log.info("dense index", { embedded: n, of: total });
        },
      });
      if (abort.signal.aborted) return;
      if (handle.dense) handle.dense.refresh();
      else handle.dense = DenseIndex.open(dbPath, { readonly: true });
      log.info("dense index ready: hybrid search", { embedded: r.embedded, fitted: r.fitted });
    } catch (e) {
      log.error("dense index build failed; search stays as it was", { error: e });
    } finally {
      writer.close();
    }
  })();
  return {
    stop: async () => {
      abort.abort();
      await done;
    },
  };
}

/** Weights -> Σ_k eps_k v_k through the controllers beside the model (loaded once). */
function chatSteering(dir: string) {
  const set = loadControllerSet(dir);
  return (weights: Scores) => staticSteering(set, weights).vector;
}

/** -1 (the default): no limit on loopback, 600 requests per minute per client beyond it. */
function rateLimitOf(c: { host: string; rateLimit: number; rateBurst: number }) {
  const perMinute = c.rateLimit >= 0 ? c.rateLimit : isLoopbackHost(c.host) ? 0 : 600;
  return perMinute > 0 ? { perMinute, burst: c.rateBurst } : undefined;
}

/** Resolves at the first SIGINT or SIGTERM, and stops listening for both. */
function interrupted(): Promise<void> {
  return new Promise<void>((resolve) => {
    const stop = () => {
      process.off("SIGINT", stop);
      process.off("SIGTERM", stop);
      resolve();
    };
    process.on("SIGINT", stop);
    process.on("SIGTERM", stop);
  });
}
