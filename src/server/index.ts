export { type AppDeps, createApp } from "./create-app.js";
export { type DigestApiDeps, digestRoutes, UnsubscribeQuery } from "./digest-routes.js";
export { type HistoryApiDeps, historyRoutes } from "./history-routes.js";
export { type IdeasApiDeps, IdeasRequest, ideasRoutes } from "./ideas-routes.js";
export { type LibraryApiDeps, libraryRoutes, MATCH_CLOSE, MATCH_OPEN } from "./library-routes.js";
export { type OpenAiCompatDeps, openAiCompatRoutes } from "./openai-compat.js";
export { openApiDocument } from "./openapi.js";
export {
  MAX_REWARD_TEXTS,
  OpenRlhfRewardRequest,
  type RewardApiDeps,
  RewardRequest,
  responseOf,
  rewardRoutes,
} from "./reward-routes.js";
export { MAX_METRICS_BYTES, type RunSummary, runsRoutes } from "./runs-routes.js";
export { isLoopbackHost, type RunningServer, type ServerOptions, startServer } from "./start-server.js";
export { createTurns, type Turns } from "./turns.js";
export { mountWebUi, WEB_UI_DIR } from "./web-ui.js";
