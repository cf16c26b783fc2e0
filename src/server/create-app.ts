import { Hono } from "hono";
import { bearerAuth } from "hono/bearer-auth";
import { HTTPException } from "hono/http-exception";
import type { Logger } from "../core/index.js";
import type { LlmBackend } from "../llm/index.js";
import { type DigestApiDeps, digestRoutes } from "./digest-routes.js";
import { type HistoryApiDeps, historyRoutes } from "./history-routes.js";
import { type IdeasApiDeps, ideasRoutes } from "./ideas-routes.js";
import { type LibraryApiDeps, libraryRoutes } from "./library-routes.js";
import { limitBody } from "./limit-body.js";
import { type OpenAiCompatDeps, openAiCompatRoutes, openAiError } from "./openai-compat.js";
import { openApiDocument } from "./openapi.js";
import { type RateLimitOptions, rateLimit } from "./rate-limit.js";
import { type RewardApiDeps, rewardRoutes } from "./reward-routes.js";
import { runsRoutes } from "./runs-routes.js";
import type { Turns } from "./turns.js";
import { mountWebUi } from "./web-ui.js";

export type AppDeps = {
  backend: LlmBackend;
  modelId: string; // the name clients use for the backend's model
  log: Logger;
  token?: string; // when set, every request must carry Authorization: Bearer <token>
  defaultMaxTokens?: number;
  maxBodyBytes?: number;
  ideas?: IdeasApiDeps; // mounts POST /api/ideas
  rewards?: RewardApiDeps; // mounts POST /reward/openrlhf and POST /api/rewards
  rateLimit?: RateLimitOptions; // per-client token buckets; absent: no limit
  turns?: Turns; // one generation at a time across routes (a local model; /api/ideas takes its turns here too)
  steer?: OpenAiCompatDeps["steer"]; // a chat's `weights` -> control vector; absent: weights are refused
  library?: LibraryApiDeps; // mounts GET /api/papers and /api/papers/:id
  history?: HistoryApiDeps; // mounts the idea history: /api/history...
  runsRoot?: string; // mounts GET /api/runs... over the training runs in this folder
  webUi?: string; // the built UI's folder: mounts GET / (the UI shell is public; its API calls carry the token)
  digest?: DigestApiDeps; // mounts GET and POST /digest/unsubscribe (public: the link's token authorises it)
};

/** The HTTP app: a table of contents of mounted routes (STYLE H3), guarded by a bearer token when one is set. */
export function createApp(deps: AppDeps): Hono {
  const app = new Hono();
  if (deps.rateLimit && deps.rateLimit.perMinute > 0) app.use("*", rateLimit(deps.rateLimit));
  // Before the token check: the page holds no data, and a browser cannot send a bearer token when it navigates.
  if (deps.webUi) mountWebUi(app, deps.webUi);
  // Before the token check too: a subscriber's mail client has only the link, whose unguessable token is the key.
  if (deps.digest) app.route("/digest", digestRoutes(deps.digest, deps.log));
  if (deps.token) app.use("*", bearerAuth({ token: deps.token }));
  app.use("*", limitBody(deps.maxBodyBytes ?? 4 * 1024 * 1024));
  const mounted = {
    ideas: Boolean(deps.ideas),
    rewards: Boolean(deps.rewards),
    library: Boolean(deps.library),
    history: Boolean(deps.history),
    runs: Boolean(deps.runsRoot),
    digest: Boolean(deps.digest),
  };
  app.get("/openapi.json", (c) => c.json(openApiDocument(mounted)));
  // What this server offers, for clients that adapt (the UI hides what is not mounted).
  app.get("/api/info", (c) =>
    c.json({
      model: deps.modelId,
      backend: deps.backend.name,
      controls: deps.ideas?.controls ?? [],
      models: deps.ideas?.meta.models ?? {},
      mounted,
    }),
  );
  if (deps.ideas) app.route("/api", ideasRoutes(deps.ideas, deps.log));
  if (deps.library) app.route("/api", libraryRoutes(deps.library, deps.log));
  if (deps.history) app.route("/api", historyRoutes(deps.history, deps.log));
  if (deps.runsRoot) app.route("/api", runsRoutes(deps.runsRoot, deps.log));
  if (deps.rewards) app.route("/", rewardRoutes(deps.rewards, deps.log));
  app.route(
    "/v1",
    openAiCompatRoutes({
      backend: deps.backend,
      modelId: deps.modelId,
      defaultMaxTokens: deps.defaultMaxTokens ?? 512,
      log: deps.log,
      turns: deps.turns,
      steer: deps.steer,
    }),
  );
  // A mounted app's own notFound is not consulted, so unknown paths are answered here, in the same error shape.
  // A known path asked with another method (OPTIONS, PUT, DELETE, ...) is a 405 that names the allowed ones.
  app.notFound((c) => {
    const allowed = [
      ...new Set(app.routes.filter((r) => r.path === c.req.path && r.method !== "ALL").map((r) => r.method)),
    ];
    if (allowed.length > 0) {
      c.header("Allow", allowed.join(", "));
      const message = `${c.req.method} is not allowed on ${c.req.path}; use ${allowed.join(" or ")}`;
      return c.json({ error: { message, type: "invalid_request_error", code: "method_not_allowed" } }, 405);
    }
    const message = `no route ${c.req.method} ${c.req.path}`;
    return c.json({ error: { message, type: "invalid_request_error", code: "not_found" } }, 404);
  });
  // Errors raised by the app-wide middleware (body limit) get the same JSON shape as the routes' own.
  app.onError((err, c) => {
    if (err instanceof HTTPException && err.status === 401) return err.getResponse(); // keeps WWW-Authenticate
    const { status, error } = openAiError(err, deps.log);
    return c.json({ error }, status);
  });
  return app;
}
