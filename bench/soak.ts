/**
 * Server soak (issue 14): `--seconds` (default 600) of mixed traffic against `ideasteer serve`'s app on
 * 127.0.0.1 — chat and completions (streamed and not), malformed JSON, oversized bodies, wrong methods,
 * and requests aborted mid-flight — at `--concurrency` clients, then the server's RSS before, at its peak
 * and after, and latency percentiles per kind. The backend is the scripted obedient model (src/testing),
 * so the figures are the server's own cost, not a model's.
 *
 *   npx tsx bench/soak.ts --seconds 600 --concurrency 16
 */
import { silentLogger } from "../src/core/index.js";
import { startServer } from "../src/server/index.js";
import { obedientBackend } from "../src/testing/index.js";
import { benchArg } from "./bench-arg.js";

const seconds = Number(benchArg("seconds", "600"));
const concurrency = Number(benchArg("concurrency", "16"));
const MB = 1024 * 1024;
const rss = () => process.memoryUsage().rss / MB;

const chat = (stream: boolean) =>
  JSON.stringify({ model: "m", stream, max_tokens: 32, messages: [{ role: "user", content: 'Answer {"a":1}' }] });
const KINDS = {
  chat: { path: "/v1/chat/completions", body: () => chat(false) },
  chat_stream: { path: "/v1/chat/completions", body: () => chat(true) },
  completion: { path: "/v1/completions", body: () => JSON.stringify({ model: "m", prompt: "Title:", max_tokens: 16 }) },
  malformed: { path: "/v1/chat/completions", body: () => '{"messages": [' },
  oversized: { path: "/v1/chat/completions", body: () => "x".repeat(2 * MB) },
  wrong_method: { path: "/v1/chat/completions", body: () => null },
  aborted: { path: "/v1/chat/completions", body: () => chat(true) },
} as const;
type Kind = keyof typeof KINDS;
// --kinds chat,malformed runs only those (to find which traffic holds memory); default: all of them.
const kinds = (benchArg("kinds", Object.keys(KINDS).join(",")).split(",") as Kind[]).filter((k) => k in KINDS);

const server = await startServer({
  backend: obedientBackend(),
  modelId: "m",
  log: silentLogger,
  host: "127.0.0.1",
  port: 0,
});
const before = rss();
let peak = before;
const latencies = new Map<Kind, number[]>(kinds.map((k) => [k, []]));
const statuses = new Map<string, number>();
const end = performance.now() + seconds * 1000;
// Where the memory is, over the run: V8's heap, external (Buffers, strings outside the heap), ArrayBuffers, RSS.
const memory = () => {
  const m = process.memoryUsage();
  return {
    t: Math.round(performance.now() / 1000),
    rss: m.rss / MB,
    heap: m.heapUsed / MB,
    external: m.external / MB,
    arrayBuffers: m.arrayBuffers / MB,
  };
};
const samples = [memory()];
let n = 0;

async function client(id: number): Promise<void> {
  for (let i = id; performance.now() < end; i += concurrency) {
    const kind = kinds[i % kinds.length] as Kind;
    const { path, body } = KINDS[kind];
    const text = body();
    const abort = new AbortController();
    if (kind === "aborted") setTimeout(() => abort.abort(), 1);
    const t0 = performance.now();
    try {
      const res = await fetch(`${server.url}${path}`, {
        method: text === null ? "DELETE" : "POST",
        headers: { "content-type": "application/json" },
        body: text,
        signal: abort.signal,
      });
      await res.arrayBuffer();
      statuses.set(`${kind} ${res.status}`, (statuses.get(`${kind} ${res.status}`) ?? 0) + 1);
    } catch {
      statuses.set(`${kind} aborted`, (statuses.get(`${kind} aborted`) ?? 0) + 1);
    }
    latencies.get(kind)?.push(performance.now() - t0);
    n++;
    if (n % 200 === 0) peak = Math.max(peak, rss());
    if (n % 3000 === 0) samples.push(memory());
  }
}

await Promise.all(Array.from({ length: concurrency }, (_, i) => client(i)));
await server.close();
globalThis.gc?.();
const after = rss();
const pct = (xs: number[], q: number) => [...xs].sort((a, b) => a - b)[Math.floor(q * (xs.length - 1))] ?? Number.NaN;
console.log(`soak: ${seconds} s, ${concurrency} clients, ${n} requests (${(n / seconds).toFixed(0)}/s)`);
console.log(
  `process RSS (server and clients in one process): before ${before.toFixed(0)} MB, peak ${peak.toFixed(0)} MB, after ${after.toFixed(0)} MB`,
);
for (const k of kinds) {
  const xs = latencies.get(k) ?? [];
  console.log(
    `${k.padEnd(13)} n ${String(xs.length).padStart(6)}  p50 ${pct(xs, 0.5).toFixed(1)} ms  p99 ${pct(xs, 0.99).toFixed(1)} ms`,
  );
}
for (const m of [...samples, memory()])
  console.log(
    `memory at ${m.t} s: rss ${m.rss.toFixed(0)} MB, heap ${m.heap.toFixed(0)}, external ${m.external.toFixed(0)}, arrayBuffers ${m.arrayBuffers.toFixed(0)}`,
  );
console.log(`statuses: ${JSON.stringify(Object.fromEntries([...statuses].sort()))}`);
