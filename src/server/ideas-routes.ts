import { Hono } from "hono";
import { HTTPException } from "hono/http-exception";
import { streamSSE } from "hono/streaming";
import { z } from "zod";
import type { Logger } from "../core/index.js";
import { EQUAL_WEIGHTS, normaliseWeights, type Scores } from "../idea/index.js";
import {
  dedupIdeas,
  type IdeaEvent,
  type IdeaRecord,
  ideaRecord,
  rankIdeas,
  type SourcePaper,
} from "../ideas/index.js";
import { BEST_OF_K_OBJECTIVES, type BestOfKObjective } from "../steer/index.js";
import { invalidBody, openAiError } from "./openai-compat.js";
import { zodJson } from "./zod-json.js";

/** POST /api/ideas (DESIGN §9): a paper (its text, or a library id), how many ideas, the weights, a seed. */
export const IdeasRequest = z.object({
  paper: z.union([
    z.object({ title: z.string().min(1).max(1_000), abstract: z.string().min(1).max(20_000) }),
    z.object({ id: z.string().min(1).max(200) }),
  ]),
  n: z.number().int().min(1).max(16).default(4),
  weights: z
    .object({ novelty: z.number().min(0), feasibility: z.number().min(0), effectiveness: z.number().min(0) })
    .refine((w) => w.novelty + w.feasibility + w.effectiveness > 0, "weights must not all be 0")
    .optional(),
  control: z.enum(["none", "static", "dynamic", "best-of-k", "static+best-of-k", "dynamic+best-of-k"]).default("none"),
  bestOf: z.number().int().min(1).max(16).default(4), // candidates per sentence for best-of-k
  bestOfObjective: z.enum(BEST_OF_K_OBJECTIVES).default("weighted"), // what best-of-k keeps: w · r or (w − w̄) · r
  dedup: z.number().min(0).max(1).default(0.9), // near-duplicate cosine threshold of the final ranking
  seed: z.number().int().min(0).max(2_147_483_647).default(1),
});
export type IdeasRequest = z.infer<typeof IdeasRequest>;

/** What the ideas routes need: generation itself (the CLI wires generateIdeas to a backend), paper lookup, provenance. */
export type IdeasApiDeps = {
  /** `sentences`: also yield a `sentence` event per sentence as it is written (the SSE stream asks for them). */
  generate(
    paper: SourcePaper,
    o: {
      n: number;
      seed: number;
      signal: AbortSignal;
      sentences: boolean;
      weights: Scores;
      control: IdeasRequest["control"];
      bestOf: number;
      bestOfObjective: BestOfKObjective;
    },
  ): AsyncIterable<IdeaEvent>;
  /** The control modes this server can run (static and dynamic need controllers beside the model). */
  controls: readonly IdeasRequest["control"][];
  findPaper?(id: string): SourcePaper | null;
  meta: { backend: string; models: Record<string, string> };
  /** What steers ideas under a control mode, added to meta.models (controllers, decoder, a best-of-K fit: controlHashes). */
  controlModels?(control: IdeasRequest["control"], objective: BestOfKObjective): Record<string, string>;
  /** Keeps a finished idea in the history; its id goes out with the idea (`id`), so a client can rate it. */
  save?(record: IdeaRecord, paper: SourcePaper): number;
  /** Texts as vectors for the near-duplicate check (the library's dense index); absent: TF-IDF cosine. */
  embed?(texts: string[]): Float32Array[] | undefined;
};

/** The ideas best first by w · scores, and the near-duplicates of a better-ranked idea, set aside and listed. */
export type Ranking = { order: number[]; dropped: { index: number; duplicateOf: number; similarity: number }[] };

/**
 * The ideas API: with `Accept: text/event-stream` an SSE stream (`idea` events carrying the same objects as
 * `generate --json`, then `done`), otherwise one JSON answer `{ideas, done}`. A client that hangs up stops
 * the generation.
 */
export const ideasRoutes = (deps: IdeasApiDeps, log: Logger) =>
  new Hono()
    .post("/ideas", zodJson(IdeasRequest, invalidBody), async (c) => {
      const body = c.req.valid("json");
      // A control this server cannot run is refused, never silently ignored.
      if (!deps.controls.includes(body.control))
        throw new HTTPException(400, {
          message: `control "${body.control}" is not available here; use one of ${deps.controls.join(", ")}`,
        });
      const paper = resolvePaper(body.paper, deps);
      const weights = (body.weights && normaliseWeights(body.weights)) || EQUAL_WEIGHTS;
      const stop = new AbortController();
      c.req.raw.signal.addEventListener("abort", () => stop.abort(), { once: true });
      const sse = (c.req.header("accept") ?? "").includes("text/event-stream");
      const events = deps.generate(paper, {
        n: body.n,
        seed: body.seed,
        signal: stop.signal,
        sentences: sse,
        weights,
        control: body.control,
        bestOf: body.bestOf,
        bestOfObjective: body.bestOfObjective,
      });
      const finished: IdeaRecord[] = [];
      const models = { ...deps.meta.models, ...deps.controlModels?.(body.control, body.bestOfObjective) };
      const record = (e: Extract<IdeaEvent, { type: "idea" }>): IdeaRecord & { id?: number } => {
        const r = ideaRecord(e, { ...deps.meta, models, weights });
        finished.push(r);
        return deps.save ? { id: deps.save(r, paper), ...r } : r;
      };
      // `done` carries the ranking: every idea is in by then.
      const ranked = (e: Extract<IdeaEvent, { type: "done" }>) => ({
        ...e,
        ranking: ranking(finished, weights, body.dedup, deps),
      });
      if (!sse) {
        const ideas: (IdeaRecord & { id?: number })[] = [];
        let done: ReturnType<typeof ranked> | undefined;
        for await (const e of events)
          if (e.type === "idea") ideas.push(record(e));
          else if (e.type === "done") done = ranked(e);
        return c.json({ ideas, done });
      }
      return streamSSE(c, async (sse) => {
        sse.onAbort(() => stop.abort());
        try {
          for await (const e of events) {
            if (sse.aborted) break;
            const data = e.type === "idea" ? record(e) : e.type === "done" ? ranked(e) : e;
            await sse.writeSSE({ event: e.type, data: JSON.stringify(data) });
          }
        } catch (e) {
          if (!sse.aborted) await sse.writeSSE({ event: "error", data: JSON.stringify(openAiError(e, log).error) });
        }
      });
    })
    .onError((err, c) => {
      const { status, error } = openAiError(err, log);
      return c.json({ error }, status);
    });

function ranking(ideas: IdeaRecord[], weights: Scores, threshold: number, deps: IdeasApiDeps): Ranking {
  const order = rankIdeas(ideas, weights);
  const texts = ideas.map((i) => i.text);
  const { kept, dropped } = dedupIdeas(texts, order, { threshold, embeddings: deps.embed?.(texts) });
  const at = (i: number) => (ideas[i] as IdeaRecord).index; // positions -> the ideas' own indices
  return {
    order: kept.map(at),
    dropped: dropped.map((d) => ({ index: at(d.index), duplicateOf: at(d.duplicateOf), similarity: d.similarity })),
  };
}

function resolvePaper(p: IdeasRequest["paper"], deps: IdeasApiDeps): SourcePaper {
  if (!("id" in p)) return p;
  const found = deps.findPaper?.(p.id);
  if (!found) throw new HTTPException(404, { message: `paper ${p.id} is not in the library` });
  return found;
}
