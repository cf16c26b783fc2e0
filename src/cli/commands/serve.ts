import type { Command } from "commander";
import { ServerConfig } from "../../config/index.js";
import type { LlmBackend } from "../../llm/index.js";
import { startServer } from "../../server/index.js";
import { addConfigFlags, configFlags, configFlagValues, type FlagsOf } from "../config-flags.js";
import { type CliContext, contextFor } from "../context.js";
import { addLlmOptions, type LlmFlags, llmFlagValues, withBackend } from "../llm-options.js";
import type { RegisterCommands } from "./index.js";

const SERVE_FLAGS = configFlags({
  section: "server",
  schema: ServerConfig,
  fields: {
    host: "<address>",
    port: "<n>",
    token: { value: "<token>", note: "; IDEASTEER_SERVER_TOKEN keeps it out of the process list" },
  },
});

type ServeFlags = LlmFlags & FlagsOf<typeof SERVE_FLAGS> & { modelId?: string };

export const registerServeCommands: RegisterCommands = (program: Command) => {
  const serve = program
    .command("serve")
    .description("serve the configured LLM backend as an OpenAI-compatible API under /v1 (Ctrl-C stops)");
  addConfigFlags(addLlmOptions(serve), SERVE_FLAGS)
    .option("--model-id <name>", "model name clients send (default: the GGUF file's name or llm.model)")
    .addHelpText(
      "after",
      `
Examples:
  $ ideasteer serve --backend llama --model-path ./qwen2.5-0.5b-instruct-q8_0.gguf --port 8080
  $ curl http://127.0.0.1:8080/v1/chat/completions -H 'content-type: application/json' \\
      -d '{"messages":[{"role":"user","content":"Hi"}],"max_tokens":32,"stream":true}'
  $ IDEASTEER_SERVER_TOKEN=s3cret ideasteer serve --host 0.0.0.0   # beyond loopback a token is required`,
    )
    .action(async (flags: ServeFlags, cmd: Command) => {
      const ctx = contextFor(cmd, { ...llmFlagValues(flags), ...configFlagValues(SERVE_FLAGS, flags) });
      await withBackend(ctx, (backend) => serveUntilInterrupted({ ...ctx, backend, modelId: flags.modelId }));
    });
};

/** Serves `backend` under /v1 until SIGINT or SIGTERM, then closes the server (the caller closes the backend). */
async function serveUntilInterrupted(opts: CliContext & { backend: LlmBackend; modelId?: string }): Promise<void> {
  const { backend, config, log } = opts;
  // "llama:qwen.gguf" -> "qwen", "openai:gpt-4o" -> "gpt-4o"
  const modelId = opts.modelId ?? backend.name.replace(/^[a-z]+:/, "").replace(/\.gguf$/i, "");
  const server = await startServer({
    backend,
    modelId,
    log,
    host: config.server.host,
    port: config.server.port,
    token: config.server.token || undefined,
  });
  process.stdout.write(`serving ${modelId} (${backend.name}) at ${server.url}/v1\n`);
  await interrupted();
  log.info("shutting down");
  await server.close();
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
