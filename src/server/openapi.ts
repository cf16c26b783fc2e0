import { z } from "zod";
import { UnsubscribeQuery } from "./digest-routes.js";
import { ExportQuery, HistoryQuery, PreferenceRequest, RatingRequest } from "./history-routes.js";
import { IdeasRequest } from "./ideas-routes.js";
import { PaperSearchQuery } from "./library-routes.js";
import { ChatBody, CompletionBody, EmbeddingsBody } from "./openai-bodies.js";
import { OpenRlhfRewardRequest, RewardRequest } from "./reward-routes.js";

const json = (schema: z.ZodType) => ({ "application/json": { schema: z.toJSONSchema(schema, { io: "input" }) } });
const error = { description: "error: {error: {message, type, code}}" };

/** GET /openapi.json: every route with its request schema, generated from the same zod schemas that validate them. */
export function openApiDocument(o: {
  ideas: boolean;
  rewards?: boolean;
  library?: boolean;
  history?: boolean;
  runs?: boolean;
  digest?: boolean;
}): Record<string, unknown> {
  const paths: Record<string, unknown> = {
    "/api/info": {
      get: { summary: "what this server offers: model, controls, mounted routes", responses: ok("info") },
    },
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
  if (o.library) {
    paths["/api/papers"] = {
      get: {
        summary: "BM25 search of the library; snippets mark matches with U+0002 ... U+0003",
        parameters: query(PaperSearchQuery),
        responses: { ...ok("{query, papers: SearchHit[]}"), 400: error },
      },
    };
    paths["/api/papers/{id}"] = {
      get: {
        summary: "a paper and its nearest papers",
        parameters: [pathId],
        responses: { ...ok("{paper, similar}"), 404: error },
      },
    };
  }
  if (o.history) {
    paths["/api/history"] = {
      get: {
        summary: "saved ideas, newest first",
        parameters: query(HistoryQuery),
        responses: ok("{ideas: SavedIdea[]}"),
      },
    };
    paths["/api/history/export"] = {
      get: {
        summary: "saved ideas as Markdown or JSON, or their related work as BibTeX",
        parameters: query(ExportQuery),
        responses: { ...ok("the export, as an attachment"), 400: error, 404: error },
      },
    };
    paths["/api/history/{id}"] = {
      get: { summary: "one saved idea", parameters: [pathId], responses: { ...ok("{idea}"), 404: error } },
    };
    paths["/api/history/{id}/rating"] = {
      post: {
        summary: "rate an idea 1-5 (kept as reward-model data)",
        parameters: [pathId],
        requestBody: { required: true, content: json(RatingRequest) },
        responses: { ...ok("{idea}"), 400: error, 404: error },
      },
    };
    paths["/api/history/preference"] = {
      post: {
        summary: "prefer one idea over another (kept as reward-model data)",
        requestBody: { required: true, content: json(PreferenceRequest) },
        responses: { ...ok("{better, worse}"), 400: error, 404: error },
      },
    };
  }
  if (o.runs) {
    paths["/api/runs"] = { get: { summary: "training runs, newest first", responses: ok("{runs}") } };
    paths["/api/runs/{id}/metrics"] = {
      get: {
        summary: "a run's metrics.jsonl as JSON",
        parameters: [pathId],
        responses: { ...ok("{keys, records}"), 404: error, 413: error },
      },
    };
    paths["/api/runs/{id}/curves.svg"] = {
      get: {
        summary: "a run's curves as SVG",
        parameters: [pathId],
        responses: { ...ok("image/svg+xml"), 404: error },
      },
    };
  }
  if (o.digest) {
    const page = (description: string) => ({ description, content: { "text/html": { schema: { type: "string" } } } });
    const notFound = page("the token is unknown or malformed");
    paths["/digest/unsubscribe"] = {
      get: {
        summary: "the digest email's unsubscribe link: a page with a confirm button; changes nothing (no bearer token)",
        parameters: query(UnsubscribeQuery),
        responses: { 200: page("the confirm page"), 404: notFound },
      },
      post: {
        summary:
          "unsubscribes the token's subscription: the page's button, or RFC 8058 one-click (body List-Unsubscribe=One-Click); no bearer token",
        parameters: query(UnsubscribeQuery),
        requestBody: {
          required: false,
          content: {
            "application/x-www-form-urlencoded": {
              schema: { type: "object", properties: { "List-Unsubscribe": { type: "string", const: "One-Click" } } },
            },
          },
        },
        responses: { 200: page("unsubscribed (again: still unsubscribed)"), 404: notFound },
      },
    };
  }
  return { openapi: "3.1.0", info: { title: "ideasteer", version: "0.1" }, paths };
}

const ok = (description: string) => ({ 200: { description } });
const pathId = { name: "id", in: "path", required: true, schema: { type: "string" } };

/** A query schema's fields as OpenAPI parameters. */
function query(schema: z.ZodObject): Record<string, unknown>[] {
  return Object.entries(schema.shape).map(([name, field]) => ({
    name,
    in: "query",
    required: !(field as z.ZodType).safeParse(undefined).success,
    schema: z.toJSONSchema(field as z.ZodType, { io: "input", unrepresentable: "any" }),
  }));
}
