import { Hono } from "hono";
import { HTTPException } from "hono/http-exception";
import { z } from "zod";
import type { Logger } from "../core/index.js";
import type { Paper, PaperStore } from "../library/index.js";
import { invalidBody, openAiError } from "./openai-compat.js";
import { zodQuery } from "./zod-json.js";

/** Snippet match markers: control characters no abstract holds, so a client can mark matches without parsing HTML. */
export const MATCH_OPEN = "\u0002";
export const MATCH_CLOSE = "\u0003";

export const PaperSearchQuery = z.object({
  q: z.string().trim().min(1).max(500),
  limit: z.coerce.number().int().min(1).max(100).default(20),
  offset: z.coerce.number().int().min(0).max(10_000).default(0),
});

/** What the library routes read: the paper store's search and lookup (read-only). */
export type LibraryApiDeps = Pick<PaperStore, "search" | "get" | "similar">;

/** A paper page's fields: the full text's sections and references stay out (they can be megabytes). */
const paperPage = (p: Paper) => ({
  id: p.id,
  title: p.title,
  abstract: p.abstract,
  venue: p.venue,
  year: p.year,
  authors: p.authors,
  keywords: p.keywords,
  url: p.url,
});

/** GET /api/papers?q= (BM25 search with marked snippets) and GET /api/papers/:id (a paper and its nearest papers). */
export const libraryRoutes = (deps: LibraryApiDeps, log: Logger) =>
  new Hono()
    .get("/papers", zodQuery(PaperSearchQuery, invalidBody), (c) => {
      const { q, limit, offset } = c.req.valid("query");
      const papers = deps.search(q, { limit, offset, highlight: { open: MATCH_OPEN, close: MATCH_CLOSE } });
      return c.json({ query: q, papers });
    })
    .get("/papers/:id{.+}", (c) => {
      const id = c.req.param("id");
      if (id.length > 200) throw new HTTPException(400, { message: "a paper id has at most 200 characters" });
      const p = deps.get(id);
      if (!p) throw new HTTPException(404, { message: `paper ${id} is not in the library` });
      return c.json({ paper: paperPage(p), similar: deps.similar(p.id, { limit: 5 }) });
    })
    .onError((err, c) => {
      const { status, error } = openAiError(err, log);
      return c.json({ error }, status);
    });
