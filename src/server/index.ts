export { type AppDeps, createApp } from "./create-app.js";
export { type OpenAiCompatDeps, openAiCompatRoutes } from "./openai-compat.js";
export { isLoopbackHost, type RunningServer, type ServerOptions, startServer } from "./start-server.js";
