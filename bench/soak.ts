/**
 * Server soak (issue 14): `--seconds` (default 600) of mixed traffic against `ideasteer serve`'s app on
 * 127.0.0.1 — chat and completions (streamed and not), malformed JSON, oversized bodies, wrong methods, and
 * requests aborted mid-flight — from `--concurrency` clients in a separate process, so the server process's memory
 * is the server's own. Prints the server's memory over the run (RSS, V8 heap after a full GC when node runs with
 * --expose-gc) and latency percentiles per kind. The backend is the scripted obedient model (src/testing), so the
 * figures are the server's cost, not a model's.
 *
 *   node --expose-gc --import tsx bench/soak.ts --seconds 600 --concurrency 16 [--kinds chat,aborted]
 */
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { silentLogger } from "../src/core/index.js";
import { startServer } from "../src/server/index.js";
import { obedientBackend } from "../src/testing/index.js";
import { benchArg } from "./bench-arg.js";

const seconds = Number(benchArg("seconds", "600"));
const concurrency = Number(benchArg("concurrency", "16"));
const MB = 1024 * 1024;

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

type ClientReport = { n: number; latencies: Record<string, number[]>; statuses: Record<string, number> };

/** The load: `concurrency` clients until the time is up; a JSON report on stdout. */
async function runClients(url: string): Promise<void> {
  const latencies: Record<string, number[]> = Object.fromEntries(kinds.map((k) => [k, []]));
  const statuses: Record<string, number> = {};
  const end = performance.now() + seconds * 1000;
  let n = 0;
  const client = async (id: number) => {
    for (let i = id; performance.now() < end; i += concurrency) {
      const kind = kinds[i % kinds.length] as Kind;
      const { path, body } = KINDS[kind];
      const text = body();
      const abort = new AbortController();
      if (kind === "aborted") setTimeout(() => abort.abort(), 1);
      const t0 = performance.now();
      let key = `${kind} aborted`;
      try {
        const res = await fetch(`${url}${path}`, {
          method: text === null ? "DELETE" : "POST",
          headers: { "content-type": "application/json" },
          body: text,
          signal: abort.signal,
        });
        await res.arrayBuffer();
        key = `${kind} ${res.status}`;
      } catch {
        // aborted by its client
      }
      statuses[key] = (statuses[key] ?? 0) + 1;
      latencies[kind]?.push(performance.now() - t0);
      n++;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, (_, i) => client(i)));
  process.stdout.write(`${JSON.stringify({ n, latencies, statuses } satisfies ClientReport)}\n`);
}

/** The server, sampled every 30 s while a child process runs the clients. */
async function runServer(): Promise<void> {
  const server = await startServer({
    backend: obedientBackend(),
    modelId: "m",
    log: silentLogger,
    host: "127.0.0.1",
    port: 0,
  });
  const gc = (globalThis as { gc?: () => void }).gc;
  const memory = (t: number) => {
    gc?.();
    const m = process.memoryUsage();
    return { t, rss: m.rss / MB, heap: m.heapUsed / MB, external: m.external / MB, arrayBuffers: m.arrayBuffers / MB };
  };
  const t0 = performance.now();
  const samples = [memory(0)];
  const timer = setInterval(() => samples.push(memory(Math.round((performance.now() - t0) / 1000))), 30_000);
  let peakRss = samples[0]?.rss ?? 0;
  const peak = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss / MB)), 1_000);
  const self = fileURLToPath(import.meta.url);
  const child = spawn(
    process.execPath,
    ["--import", "tsx", self, ...process.argv.slice(2), "--role", "client", "--url", server.url],
    {
      stdio: ["ignore", "pipe", "inherit"],
    },
  );
  let out = "";
  child.stdout.on("data", (d: Buffer) => (out += d.toString()));
  await new Promise((resolve) => child.on("exit", resolve));
  clearInterval(timer);
  clearInterval(peak);
  const loaded = memory(Math.round((performance.now() - t0) / 1000));
  await server.close();
  const closed = memory(Math.round((performance.now() - t0) / 1000));
  const report = JSON.parse(out.trim().split("\n").pop() ?? "{}") as ClientReport;
  const pct = (xs: number[], q: number) => [...xs].sort((a, b) => a - b)[Math.floor(q * (xs.length - 1))] ?? Number.NaN;
  console.log(
    `soak: ${seconds} s, ${concurrency} clients (separate process), ${report.n} requests (${(report.n / seconds).toFixed(0)}/s), gc ${gc ? "after each sample" : "not exposed"}`,
  );
  for (const k of kinds) {
    const xs = report.latencies[k] ?? [];
    console.log(
      `${k.padEnd(13)} n ${String(xs.length).padStart(6)}  p50 ${pct(xs, 0.5).toFixed(1)} ms  p99 ${pct(xs, 0.99).toFixed(1)} ms`,
    );
  }
  for (const m of [...samples, loaded])
    console.log(
      `server memory at ${m.t} s: rss ${m.rss.toFixed(0)} MB, heap ${m.heap.toFixed(1)}, external ${m.external.toFixed(1)}, arrayBuffers ${m.arrayBuffers.toFixed(1)}`,
    );
  console.log(
    `server closed: rss ${closed.rss.toFixed(0)} MB, heap ${closed.heap.toFixed(1)} MB; peak rss ${peakRss.toFixed(0)} MB`,
  );
  console.log(`statuses: ${JSON.stringify(Object.fromEntries(Object.entries(report.statuses).sort()))}`);
}

if (benchArg("role", "server") === "client") await runClients(benchArg("url", ""));
else await runServer();
