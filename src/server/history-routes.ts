import { Hono } from "hono";
import { HTTPException } from "hono/http-exception";
import { z } from "zod";
import type { Logger } from "../core/index.js";
import { type BibPaper, EXPORT_FORMATS, exportIdeas, type IdeaStore, type SavedIdea } from "../ideas/index.js";
import { invalidBody, openAiError } from "./openai-compat.js";
import { zodJson, zodQuery } from "./zod-json.js";

/** The idea history as the routes use it: IdeaStore's reads and its two kinds of feedback. */
export type HistoryApiDeps = {
  store: Pick<IdeaStore, "list" | "find" | "rate" | "prefer">;
  bibLookup?(paperId: string): BibPaper | null; // fills BibTeX entries of related work from the library
};

const IdeaId = z.coerce.number().int().min(1).max(Number.MAX_SAFE_INTEGER);
export const HistoryQuery = z.object({
  limit: z.coerce.number().int().min(1).max(500).default(50),
  paper: z.string().min(1).max(200).optional(),
});
export const RatingRequest = z.object({ score: z.number().int().min(1).max(5) });
export const PreferenceRequest = z
  .object({ better: IdeaId, worse: IdeaId })
  .refine((p) => p.better !== p.worse, "an idea cannot be preferred over itself");
export const ExportQuery = z.object({
  format: z.enum(EXPORT_FORMATS).default("md"),
  ids: z
    .string()
    .max(2_000)
    .regex(/^\d+(,\d+)*$/, "ids is a comma-separated list of idea ids")
    .transform((s) => [...new Set(s.split(",").map(Number))])
    .optional(), // absent: the newest 50
});

const CONTENT_TYPES = { md: "text/markdown", json: "application/json", bib: "application/x-bibtex" } as const;

/**
 * The idea history (what /api/ideas and `generate` saved) and the feedback kept as reward-model data:
 * GET /api/history, GET /api/history/:id, POST /api/history/:id/rating, POST /api/history/preference,
 * GET /api/history/export?format=md|json|bib&ids=1,2.
 */
export const historyRoutes = ({ store, bibLookup }: HistoryApiDeps, log: Logger) => {
  const idea = (raw: string): SavedIdea => {
    const id = IdeaId.safeParse(raw);
    const found = id.success ? store.find(id.data) : null;
    if (!found) throw new HTTPException(404, { message: `idea ${raw} is not in the history` });
    return found;
  };
  return new Hono()
    .get("/history", zodQuery(HistoryQuery, invalidBody), (c) => {
      const { limit, paper } = c.req.valid("query");
      return c.json({ ideas: store.list({ limit, paperId: paper }) });
    })
    .get("/history/export", zodQuery(ExportQuery, invalidBody), (c) => {
      const { format, ids } = c.req.valid("query");
      const ideas = ids ? ids.map((id) => idea(String(id))) : store.list({ limit: 50 });
      c.header("Content-Type", `${CONTENT_TYPES[format]}; charset=utf-8`);
      c.header("Content-Disposition", `attachment; filename="ideas.${format}"`);
      return c.body(exportIdeas(ideas, format, bibLookup));
    })
    .get("/history/:id", (c) => c.json({ idea: idea(c.req.param("id")) }))
    .post("/history/:id/rating", zodJson(RatingRequest, invalidBody), (c) => {
      const { id } = idea(c.req.param("id"));
      store.rate(id, c.req.valid("json").score);
      return c.json({ idea: store.find(id) });
    })
    .post("/history/preference", zodJson(PreferenceRequest, invalidBody), (c) => {
      const { better, worse } = c.req.valid("json");
      idea(String(better));
      idea(String(worse));
      store.prefer(better, worse);
      return c.json({ better, worse });
    })
    .onError((err, c) => {
      const { status, error } = openAiError(err, log);
      return c.json({ error }, status);
    });
};
