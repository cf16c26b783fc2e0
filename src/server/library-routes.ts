import { Hono } from "hono";
import { HTTPException } from "hono/http-exception";
import { z } from "zod";
import type { Logger } from "../core/index.js";
import { type DenseIndex, type Paper, type PaperStore, SEARCH_MODES, searchLibrary } from "../library/index.js";
import { invalidBody, openAiError } from "./openai-compat.js";
import { zodQuery } from "./zod-json.js";

/** Snippet match markers: control characters no abstract holds, so a client can mark matches without parsing HTML. */
export const MATCH_OPEN = "\u0002";
export const MATCH_CLOSE = "\u0003";

export const PaperSearchQuery = z.object({
  q: z.string().trim().min(1).max(500),
  mode: z.enum(SEARCH_MODES).optional(), // default: hybrid where the dense index exists, else bm25
  limit: z.coerce.number().int().min(1).max(100).default(20),
  offset: z.coerce.number().int().min(0).max(10_000).default(0),
});

/** What the library routes read: the paper store and, when `library index` built it, the dense index. */
export type LibraryApiDeps = { store: PaperStore; dense: DenseIndex | null };

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

/** GET /api/papers?q=&mode= (hybrid, BM25 or dense search with marked snippets) and GET /api/papers/:id (a paper and its nearest papers). */
export const libraryRoutes = (deps: LibraryApiDeps, log: Logger) =>
  new Hono()
    .get("/papers", zodQuery(PaperSearchQuery, invalidBody), (c) => {
      const { q, limit, offset, mode = deps.dense ? "hybrid" : "bm25" } = c.req.valid("query");
      if (mode !== "bm25" && !deps.dense)
        throw new HTTPException(400, { message: `mode ${mode} needs the dense index: run ideasteer library index` });
      const highlight = { open: MATCH_OPEN, close: MATCH_CLOSE };
      const papers = searchLibrary(deps.store, deps.dense, q, { limit, offset, highlight, mode });
      return c.json({ query: q, mode, papers });
    })
    .get("/papers/:id{.+}", (c) => {
      const id = c.req.param("id");
      if (id.length > 200) throw new HTTPException(400, { message: "a paper id has at most 200 characters" });
      const p = deps.store.get(id);
      if (!p) throw new HTTPException(404, { message: `paper ${id} is not in the library` });
      return c.json({ paper: paperPage(p), similar: deps.store.similar(p.id, { limit: 5 }) });
    })
    .onError((err, c) => {
      const { status, error } = openAiError(err, log);
      return c.json({ error }, status);
    });
