import { z } from "zod";
import { IdeasRequest } from "./ideas-routes.js";
import { ChatBody, CompletionBody, EmbeddingsBody } from "./openai-bodies.js";
import { OpenRlhfRewardRequest, RewardRequest } from "./reward-routes.js";

const json = (schema: z.ZodType) => ({ "application/json": { schema: z.toJSONSchema(schema, { io: "input" }) } });
const error = { description: "error: {error: {message, type, code}}" };

/** GET /openapi.json: every route with its request schema, generated from the same zod schemas that validate them. */
export function openApiDocument(o: { ideas: boolean; rewards?: boolean }): Record<string, unknown> {
  const paths: Record<string, unknown> = {
    "/v1/models": { get: { summary: "the served model", responses: { 200: { description: "model list" } } } },
    "/v1/chat/completions": {
      post: {
        summary: "OpenAI-compatible chat completion (stream: true for SSE)",
        requestBody: { required: true, content: json(ChatBody) },
        responses: {
          200: { description: "chat.completion, or SSE chat.completion.chunk events" },
          400: error,
          413: error,
        },
      },
    },
    "/v1/completions": {
      post: {
        summary: "OpenAI-compatible text completion",
        requestBody: { required: true, content: json(CompletionBody) },
        responses: { 200: { description: "text_completion" }, 400: error, 413: error },
      },
    },
    "/v1/embeddings": {
      post: {
        summary: "OpenAI-compatible embeddings (float or base64)",
        requestBody: { required: true, content: json(EmbeddingsBody) },
        responses: { 200: { description: "embedding list" }, 400: error },
      },
    },
  };
  if (o.ideas)
    paths["/api/ideas"] = {
      post: {
        summary: "follow-up ideas for a paper; Accept: text/event-stream streams `idea` events, then `done`",
        requestBody: { required: true, content: json(IdeasRequest) },
        responses: { 200: { description: "{ideas: IdeaRecord[], done}, or SSE" }, 400: error, 404: error },
      },
    };
  if (o.rewards) {
    paths["/reward/openrlhf"] = {
      post: {
        summary:
          "OpenRLHF --remote_rm_url: {query, prompts, labels} -> {rewards, scores, extra_logs}; labels carry weights",
        requestBody: { required: true, content: json(OpenRlhfRewardRequest) },
        responses: { 200: { description: "rewards = w · r per query" }, 400: error, 413: error },
      },
    };
    paths["/api/rewards"] = {
      post: {
        summary: "scores of idea texts per dimension and w · r",
        requestBody: { required: true, content: json(RewardRequest) },
        responses: {
          200: { description: "{weights, results: [{novelty, feasibility, effectiveness, reward}]}" },
          400: error,
          413: error,
        },
      },
    };
  }
  return { openapi: "3.1.0", info: { title: "ideasteer", version: "0.1" }, paths };
}
