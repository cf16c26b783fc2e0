import { Hono } from "hono";
import { bearerAuth } from "hono/bearer-auth";
import { bodyLimit } from "hono/body-limit";
import type { Logger } from "../core/index.js";
import type { LlmBackend } from "../llm/index.js";
import { openAiCompatRoutes } from "./openai-compat.js";

export type AppDeps = {
  backend: LlmBackend;
  modelId: string; // the name clients use for the backend's model
  log: Logger;
  token?: string; // when set, every request must carry Authorization: Bearer <token>
  defaultMaxTokens?: number;
  maxBodyBytes?: number;
};

/** The HTTP app: a table of contents of mounted routes (STYLE H3), guarded by a bearer token when one is set. */
export function createApp(deps: AppDeps): Hono {
  const app = new Hono();
  if (deps.token) app.use("*", bearerAuth({ token: deps.token }));
  app.use("*", bodyLimit({ maxSize: deps.maxBodyBytes ?? 4 * 1024 * 1024 }));
  app.route(
    "/v1",
    openAiCompatRoutes({
      backend: deps.backend,
      modelId: deps.modelId,
      defaultMaxTokens: deps.defaultMaxTokens ?? 512,
      log: deps.log,
    }),
  );
  // A mounted app's own notFound is not consulted, so unknown paths are answered here, in the same error shape.
  app.notFound((c) =>
    c.json(
      {
        error: { message: `no route ${c.req.method} ${c.req.path}`, type: "invalid_request_error", code: "not_found" },
      },
      404,
    ),
  );
  return app;
}
