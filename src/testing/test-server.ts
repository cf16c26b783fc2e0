import type { TestContext } from "node:test";
import { silentLogger } from "../core/index.js";
import { type RunningServer, type ServerOptions, startServer } from "../server/index.js";
import { scriptedBackend } from "./obedient-backend.js";

/**
 * A real server on 127.0.0.1 (any free port) for the test's duration. Routes that never call the LLM (rewards,
 * rate limits) get a backend that answers "" unless `backend` is given.
 */
export async function startTestServer(t: TestContext, o: Partial<ServerOptions> = {}): Promise<RunningServer> {
  const server = await startServer({
    backend: scriptedBackend(() => ""),
    modelId: "m",
    log: silentLogger,
    ...o,
    host: "127.0.0.1",
    port: 0,
  });
  t.after(() => server.close());
  return server;
}
