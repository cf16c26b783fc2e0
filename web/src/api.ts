// The server's API as the UI uses it (DESIGN §9). Every call carries the token when one is set.

export const DIMENSIONS = ["novelty", "feasibility", "effectiveness"] as const;
export type Dimension = (typeof DIMENSIONS)[number];
export type Scores = Record<Dimension, number>;
export type Control = "none" | "static" | "dynamic" | "best-of-k" | "static+best-of-k" | "dynamic+best-of-k";

export type Idea = {
  title: string;
  method: string;
  experimentPlan: { datasets: string; baselines: string; evaluation: string };
};
export type SentenceEvent = {
  index: number;
  attempt: number;
  text: string;
  section: string;
  strengths: number[];
  scores: Scores | null;
};
export type IdeaRecord = {
  id?: number;
  index: number;
  text: string;
  idea: Idea;
  scores: Scores | null;
  weights: Scores;
  strengths: number[][];
};
export type SavedIdea = {
  id: number;
  createdAt: string;
  paper: { id: string | null; title: string };
  idea: Idea;
  scores: Scores | null;
  weights: Scores;
  rating: number | null;
  backend: string;
  seed: number;
};
export type SearchHit = { id: string; title: string; snippet: string; venue: string | null; year: number | null };
export type Paper = {
  id: string;
  title: string;
  abstract: string;
  venue: string | null;
  year: number | null;
  authors: string[];
  url: string | null;
};
export type ServerInfo = {
  model: string;
  backend: string;
  controls: Control[];
  mounted: Record<"ideas" | "library" | "history" | "runs" | "rewards", boolean>;
};
/** The server's final order (best first by w · s) and the near-duplicates it set aside (idea indices). */
export type Ranking = { order: number[]; dropped: { index: number; duplicateOf: number; similarity: number }[] };
export type RunSummary = { id: string; stage: string; metricsBytes: number; updated: string };

/** The snippet's match markers (src/server/library-routes.ts). */
export const MATCH_OPEN = "\u0002";
export const MATCH_CLOSE = "\u0003";

const TOKEN_KEY = "ideasteer.token";
export const getToken = () => localStorage.getItem(TOKEN_KEY) ?? "";
export const setToken = (t: string) => (t ? localStorage.setItem(TOKEN_KEY, t) : localStorage.removeItem(TOKEN_KEY));

/** A failed call, with the server's own message (its errors are `{error: {message}}`). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

async function call(path: string, init: RequestInit = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  const token = getToken();
  if (token) headers.set("Authorization", `Bearer ${token}`);
  const res = await fetch(path, { ...init, headers });
  if (!res.ok) {
    const body = (await res.json().catch(() => null)) as { error?: { message?: string } } | null;
    throw new ApiError(res.status, body?.error?.message ?? `${res.status} ${res.statusText}`);
  }
  return res;
}

const getJson = async <T>(path: string): Promise<T> => (await call(path)).json() as Promise<T>;
const postJson = async <T>(path: string, body: unknown): Promise<T> =>
  (
    await call(path, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) })
  ).json() as Promise<T>;

export const api = {
  info: () => getJson<ServerInfo>("/api/info"),
  search: (q: string) => getJson<{ papers: SearchHit[] }>(`/api/papers?q=${encodeURIComponent(q)}&limit=20`),
  paper: (id: string) => getJson<{ paper: Paper; similar: SearchHit[] }>(`/api/papers/${encodeURIComponent(id)}`),
  history: (paperId?: string) =>
    getJson<{ ideas: SavedIdea[] }>(`/api/history?limit=100${paperId ? `&paper=${encodeURIComponent(paperId)}` : ""}`),
  rate: (id: number, score: number) => postJson<{ idea: SavedIdea }>(`/api/history/${id}/rating`, { score }),
  prefer: (better: number, worse: number) => postJson<unknown>("/api/history/preference", { better, worse }),
  runs: () => getJson<{ runs: RunSummary[] }>("/api/runs"),
  /** A file behind the token as an object URL (an <img> or a download link cannot send the header itself). */
  blobUrl: async (path: string) => URL.createObjectURL(await (await call(path)).blob()),
};

export type PaperInput = { id: string } | { title: string; abstract: string };
export type GenerateRequest = { paper: PaperInput; n: number; weights: Scores; control: Control; seed: number };
export type StreamEvent =
  | { type: "sentence"; data: SentenceEvent }
  | { type: "idea"; data: IdeaRecord }
  | { type: "done"; data: { ideas: number; attempts: number; ranking: Ranking } }
  | { type: "error"; data: { message: string } };

/**
 * POST /api/ideas as Server-Sent Events: each event is handed to `onEvent` as it arrives. Aborting `signal` hangs up,
 * which stops the generation on the server.
 */
export async function streamIdeas(
  body: GenerateRequest,
  onEvent: (e: StreamEvent) => void,
  signal: AbortSignal,
): Promise<void> {
  const res = await call("/api/ideas", {
    method: "POST",
    headers: { "Content-Type": "application/json", Accept: "text/event-stream" },
    body: JSON.stringify(body),
    signal,
  });
  if (!res.body) throw new ApiError(500, "the server sent no stream");
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += value;
    for (let end = buffer.indexOf("\n\n"); end >= 0; end = buffer.indexOf("\n\n")) {
      const event = parseEvent(buffer.slice(0, end));
      buffer = buffer.slice(end + 2);
      if (event) onEvent(event);
    }
  }
}

function parseEvent(block: string): StreamEvent | null {
  let type = "message";
  const data: string[] = [];
  for (const line of block.split("\n")) {
    if (line.startsWith("event:")) type = line.slice(6).trim();
    else if (line.startsWith("data:")) data.push(line.slice(5).replace(/^ /, ""));
  }
  if (data.length === 0) return null;
  return { type, data: JSON.parse(data.join("\n")) } as StreamEvent;
}
