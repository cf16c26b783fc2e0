import type { Command } from "commander";
import { ServerConfig } from "../../config/index.js";
import { openBackend } from "../../llm/index.js";
import { startServer } from "../../server/index.js";
import { contextFor, intFlag } from "../context.js";
import { addLlmOptions, type LlmFlags, llmFlagValues } from "../llm-options.js";
import type { RegisterCommands } from "./index.js";

type ServeFlags = LlmFlags & { host?: string; port?: number; token?: string; modelId?: string };

const desc = (key: keyof typeof ServerConfig.shape): string => ServerConfig.shape[key].description ?? "";

export const registerServeCommands: RegisterCommands = (program: Command) => {
  addLlmOptions(
    program
      .command("serve")
      .description("serve the configured LLM backend as an OpenAI-compatible API under /v1 (Ctrl-C stops)"),
  )
    .option("--host <address>", desc("host"))
    .option("--port <n>", desc("port"), intFlag("--port"))
    .option("--token <token>", `${desc("token")}; IDEASTEER_SERVER_TOKEN keeps it out of the process list`)
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
      const { config, log } = contextFor(cmd, {
        ...llmFlagValues(flags),
        "server.host": flags.host,
        "server.port": flags.port,
        "server.token": flags.token,
      });
      const backend = await openBackend(config.llm.backend, { llm: config.llm, home: config.home, log });
      try {
        // "llama:qwen.gguf" -> "qwen", "openai:gpt-4o" -> "gpt-4o"
        const modelId = flags.modelId ?? backend.name.replace(/^[a-z]+:/, "").replace(/\.gguf$/i, "");
        const server = await startServer({
          backend,
          modelId,
          log,
          host: config.server.host,
          port: config.server.port,
          token: config.server.token || undefined,
        });
        process.stdout.write(`serving ${modelId} (${backend.name}) at ${server.url}/v1\n`);
        await new Promise<void>((resolve) => {
          const stop = () => {
            process.off("SIGINT", stop);
            process.off("SIGTERM", stop);
            resolve();
          };
          process.on("SIGINT", stop);
          process.on("SIGTERM", stop);
        });
        log.info("shutting down");
        await server.close();
      } finally {
        await backend.close();
      }
    });
};
