/**
 * When to try a request again and how long to wait first. Backoff is exponential with full jitter
 * (AWS Architecture Blog, "Exponential Backoff And Jitter", 2015): wait ~ U(0, min(max, base * 2^attempt)),
 * which spreads clients that failed together. A server's Retry-After always wins over the backoff.
 */
export type RetryPolicy = {
  maxRetries: number; // attempts = maxRetries + 1
  baseMs: number; // ceiling of the first wait
  maxMs: number; // largest ceiling
  random: () => number; // uniform in [0, 1); pass a seeded one in tests
};

/** Wait before retry number `retry` (0 = the first retry). */
export function backoffMs(retry: number, p: RetryPolicy): number {
  const ceiling = Math.min(p.maxMs, p.baseMs * 2 ** retry);
  return p.random() * ceiling;
}

/** Retry-After is either delay-seconds ("120", some servers send "1.5") or an HTTP date; undefined if neither. */
export function parseRetryAfterMs(header: string | null | undefined, nowMs: number): number | undefined {
  if (header === null || header === undefined) return undefined;
  const text = header.trim();
  if (text === "") return undefined;
  if (/^\d+(\.\d+)?$/.test(text)) return Number(text) * 1000;
  if (!/^[A-Za-z]/.test(text)) return undefined; // every HTTP date form starts with the day's name
  const at = Date.parse(text);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - nowMs);
}

/** Statuses worth another try: rate limits, timeouts and server errors (501 "not implemented" never heals). */
export const isRetryableStatus = (status: number): boolean =>
  status === 408 || status === 409 || status === 429 || (status >= 500 && status !== 501);

/** Sleeps `ms`, or rejects with the signal's reason as soon as it aborts. */
export function sleepMs(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

/**
 * Runs `attempt` until it succeeds, fails with a non-retryable error, or `maxRetries` retries are
 * spent; waits the server's Retry-After when it sent one, the jittered backoff otherwise.
 */
export async function withRetries<T>(
  opts: {
    policy: RetryPolicy;
    isRetryable: (e: unknown) => boolean;
    retryAfterMs: (e: unknown) => number | undefined;
    onRetry?: (info: { retry: number; waitMs: number; error: unknown }) => void;
    signal?: AbortSignal;
  },
  attempt: () => Promise<T>,
): Promise<T> {
  for (let retry = 0; ; retry++) {
    try {
      return await attempt();
    } catch (e) {
      if (!opts.isRetryable(e) || retry >= opts.policy.maxRetries || opts.signal?.aborted) {
        if (retry > 0 && e instanceof Error) e.message += ` (gave up after ${retry + 1} attempts)`;
        throw e;
      }
      const waitMs = opts.retryAfterMs(e) ?? backoffMs(retry, opts.policy);
      opts.onRetry?.({ retry, waitMs, error: e });
      await sleepMs(waitMs, opts.signal);
    }
  }
}
