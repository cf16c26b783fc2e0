import { IdeasteerError } from "../../core/index.js";
import { httpErrorFor, LlmConnectionError, LlmResponseError, LlmTimeoutError } from "./openai-errors.js";
import { parseRetryAfterMs } from "./retry-policy.js";
import { sseEvents } from "./sse-events.js";

/** Where requests go and how long a silent server is tolerated. */
export type HttpTarget = {
  baseUrl: string; // ends in /v1 for most servers; no trailing slash
  apiKey: string; // "" = send no Authorization header
  model: string; // for error hints
  timeoutMs: number; // longest silence: until the headers, then between two reads of the body
  fetch: typeof fetch;
};

export type PostOptions = {
  target: HttpTarget;
  path: string; // "/chat/completions"
  body: unknown;
  signal?: AbortSignal; // the caller's: aborting ends the request without an error
  /** streaming: each SSE data payload except the final [DONE] */
  onData?: (data: string) => void;
  /** true once streamed text went to the caller: a failure after that is final, not retried */
  handedOn?: () => boolean;
};

export type PostResult = { aborted: true } | { aborted: false; json: unknown };

const MAX_ERROR_BODY_BYTES = 64 * 1024;

/**
 * One POST of JSON with a silence watchdog. Answers the parsed JSON body, or for streams (onData
 * given) `json: undefined` after [DONE]. Throws LlmHttpError, LlmTimeoutError, LlmConnectionError or
 * LlmResponseError; `retryable` on them says whether another attempt could help.
 */
export async function postJson(o: PostOptions): Promise<PostResult> {
  const { target } = o;
  const url = `${target.baseUrl}${o.path}`;
  const ctl = new AbortController();
  let timedOut = false;
  let timer: NodeJS.Timeout | undefined;
  const touch = () => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      timedOut = true;
      ctl.abort();
    }, target.timeoutMs);
  };
  const onCallerAbort = () => ctl.abort();
  o.signal?.addEventListener("abort", onCallerAbort, { once: true });
  const retryable = () => !(o.handedOn?.() ?? false);
  try {
    if (o.signal?.aborted) return { aborted: true };
    touch();
    const headers: Record<string, string> = { "content-type": "application/json", accept: "application/json" };
    if (o.onData) headers.accept = "text/event-stream";
    if (target.apiKey) headers.authorization = `Bearer ${target.apiKey}`;
    const res = await target.fetch(url, { method: "POST", headers, body: JSON.stringify(o.body), signal: ctl.signal });
    touch();
    if (!res.ok) {
      const text = new TextDecoder().decode(await readAll(res, touch, MAX_ERROR_BODY_BYTES));
      throw httpErrorFor({
        status: res.status,
        body: text,
        retryAfterMs: parseRetryAfterMs(res.headers.get("retry-after"), Date.now()),
        baseUrl: target.baseUrl,
        model: target.model,
      });
    }
    if (!o.onData) {
      const bytes = await readAll(res, touch, Number.POSITIVE_INFINITY);
      try {
        return { aborted: false, json: JSON.parse(new TextDecoder().decode(bytes)) };
      } catch (e) {
        throw new LlmResponseError(`${url} answered ${res.status} with a body that is not JSON`, e);
      }
    }
    if (!/^text\/event-stream/i.test(res.headers.get("content-type") ?? "")) {
      // A server (or proxy) that ignores stream: true answers one JSON body; its shape is a whole reply.
      o.onData(new TextDecoder().decode(await readAll(res, touch, Number.POSITIVE_INFINITY)));
      return { aborted: false, json: undefined };
    }
    if (!res.body) throw new LlmResponseError(`${url} answered a stream request without a body`);
    for await (const ev of sseEvents(chunksOf(res.body, touch))) {
      if (ev.data === "[DONE]") {
        await res.body.cancel().catch(() => undefined); // anything after [DONE] is not ours to read
        return { aborted: false, json: undefined };
      }
      o.onData(ev.data);
    }
    throw new LlmConnectionError(`the stream from ${url} ended before [DONE]`, {
      retryable: retryable(),
      hint: droppedHint(retryable()),
    });
  } catch (e) {
    if (o.signal?.aborted) return { aborted: true };
    if (timedOut) {
      const s = target.timeoutMs / 1000;
      throw new LlmTimeoutError(`${url} sent nothing for ${s} s`, { retryable: retryable() });
    }
    if (e instanceof IdeasteerError) throw e; // already typed above
    if (isNetworkError(e)) {
      throw new LlmConnectionError(`connection to ${url} failed: ${networkDetail(e)}`, {
        retryable: retryable(),
        hint: o.handedOn?.()
          ? droppedHint(false)
          : `is the server running at ${target.baseUrl}? check llm.baseUrl (IDEASTEER_LLM_BASE_URL)`,
        cause: e,
      });
    }
    throw e;
  } finally {
    clearTimeout(timer);
    o.signal?.removeEventListener("abort", onCallerAbort);
  }
}

const droppedHint = (retryable: boolean) =>
  retryable
    ? "the connection dropped; it is retried automatically (llm.maxRetries)"
    : "the connection dropped after part of the streamed text was delivered, so it was not retried (the text would repeat); call again";

async function* chunksOf(body: ReadableStream<Uint8Array>, touch: () => void): AsyncGenerator<Uint8Array> {
  const reader = body.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      touch();
      yield value;
    }
  } finally {
    reader.releaseLock();
  }
}

async function readAll(res: Response, touch: () => void, maxBytes: number): Promise<Uint8Array> {
  if (!res.body) return new Uint8Array();
  const parts: Uint8Array[] = [];
  let n = 0;
  for await (const chunk of chunksOf(res.body, touch)) {
    parts.push(chunk);
    n += chunk.length;
    if (n >= maxBytes) {
      await res.body.cancel().catch(() => undefined);
      break;
    }
  }
  return Buffer.concat(parts);
}

/** undici reports refused, reset and closed sockets as TypeError ("fetch failed", "terminated") with a cause. */
function isNetworkError(e: unknown): boolean {
  return e instanceof TypeError || (e instanceof Error && typeof (e as { code?: unknown }).code === "string");
}

function networkDetail(e: unknown): string {
  const cause = e instanceof Error ? e.cause : undefined;
  const c = cause instanceof Error ? (cause as Error & { code?: unknown }) : undefined;
  const code = typeof c?.code === "string" ? ` (${c.code})` : "";
  return `${e instanceof Error ? e.message : String(e)}${c ? `: ${c.message}${code}` : ""}`;
}
