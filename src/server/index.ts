export { type AppDeps, createApp } from "./create-app.js";
export { type IdeasApiDeps, IdeasRequest, ideasRoutes } from "./ideas-routes.js";
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
export { isLoopbackHost, type RunningServer, type ServerOptions, startServer } from "./start-server.js";
export { createTurns, type Turns } from "./turns.js";
