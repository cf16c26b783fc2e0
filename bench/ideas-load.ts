/**
 * Ideas API under load (issue 13): `--concurrency` (default 50) clients POST /api/ideas with `Accept:
 * text/event-stream` at the same moment, each for a different real paper (titles and abstracts from
 * ../shared/data/papers.jsonl.gz), n=1 idea each, and read the SSE stream to its end; before them `--alone`
 * (default 3) requests one at a time give the latency of a request with the server to itself. The server runs in
 * this process, wired as `ideasteer serve` wires it: the builtin backend with the shipped SFT policy
 * (models/policy/model.gguf, llama.cpp, 1 thread), the shipped reward model (models/reward) scoring every sentence,
 * one generation at a time (createTurns), serve's sampling (temperature 0.8, top-p 0.95, 6 attempts, 480 prompt
 * tokens) with `--max-tokens` (serve: 512), `--control` (default none). No library: an idea's related work is
 * its paper alone. The clients run in a separate process, so the memory figures (RSS, V8 heap after a full GC
 * when node runs with --expose-gc; sampled every `--sample-seconds`) are the server's own.
 * `--abort-half` adds a phase where half the clients hang up at their first `sentence` event: their generations
 * must stop (the server's count of generations that ran to `done`, and the phase's wall time, show it) and the
 * other half must all complete.
 * Generation is serialised by design, so a request among 50 waits for the ones ahead of it: p99 to done is expected
 * near 50 x one generation, and that is what the table compares against.
 *
 *   node --expose-gc --import tsx bench/ideas-load.ts --concurrency 50 [--alone 3] [--max-tokens 512]
 *     [--control none] [--abort-half]
 */
import { spawn } from "node:child_process";
import { createReadStream, existsSync } from "node:fs";
import { request } from "node:http";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { createGunzip } from "node:zlib";
import { defaultSharedDataDir, LlmConfig, resolveHome } from "../src/config/index.js";
import { silentLogger } from "../src/core/index.js";
import { generateIdeas, type IdeaEvent, modelHash, type SourcePaper } from "../src/ideas/index.js";
import { openBackend, SHIPPED_POLICY_PATH } from "../src/llm/index.js";
import { createScoreCache, loadRewardModel, SHIPPED_REWARD_MODEL_DIR, scoreIdeas } from "../src/reward/index.js";
import { createTurns, type IdeasApiDeps, type IdeasRequest, startServer } from "../src/server/index.js";
import { type ControllerSet, loadControllerSet, loadDecoder, staticSteering } from "../src/steer/index.js";
import { benchArg } from "./bench-arg.js";

const concurrency = Number(benchArg("concurrency", "50"));
const alone = Number(benchArg("alone", "3"));
const maxTokens = Number(benchArg("max-tokens", "512"));
const control = benchArg("control", "none") as IdeasRequest["control"];
const abortHalf = process.argv.includes("--abort-half");
const sampleSeconds = Number(benchArg("sample-seconds", "5"));
const dataDir = benchArg("data", defaultSharedDataDir());
const MB = 1024 * 1024;

type Paper = { title: string; abstract: string };
/** One request as its client saw it: times from sending it (ms). */
type Rec = {
  status: number;
  firstSentenceMs: number | null;
  doneMs: number | null;
  sentences: number;
  hungUp: boolean; // this client hung up on purpose (--abort-half)
  error: string | null; // an `error` event or a failed connection
};
type Mode = "sequential" | "parallel" | "abort-half";

/** The first `count` papers after `offset` with an abstract of ordinary length (500-2,500 characters). */
async function readPapers(offset: number, count: number): Promise<Paper[]> {
  const lines = createInterface({ input: createReadStream(join(dataDir, "papers.jsonl.gz")).pipe(createGunzip()) });
  const out: Paper[] = [];
  let seen = 0;
  for await (const line of lines) {
    const p = JSON.parse(line) as Paper;
    if (!p.title || p.abstract.length < 500 || p.abstract.length > 2_500) continue;
    if (seen++ >= offset) out.push({ title: p.title, abstract: p.abstract });
    if (out.length === count) break;
  }
  lines.close();
  return out;
}

/** POST /api/ideas as SSE and read the stream to its end (or hang up at the first sentence). */
function oneRequest(url: string, paper: Paper, hangUp: boolean): Promise<Rec> {
  const rec: Rec = { status: 0, firstSentenceMs: null, doneMs: null, sentences: 0, hungUp: false, error: null };
  const body = JSON.stringify({ paper, n: 1, seed: 1, control });
  const t0 = performance.now();
  return new Promise((resolve) => {
    // node:http, not fetch: undici's 300 s body timeout would cut off a request waiting its turn behind 49 others.
    const req = request(`${url}/api/ideas`, {
      method: "POST",
      headers: { "content-type": "application/json", accept: "text/event-stream" },
    });
    req.on("error", (e) => {
      if (!rec.hungUp) rec.error ??= e.message;
      resolve(rec);
    });
    req.on("response", (res) => {
      rec.status = res.statusCode ?? 0;
      res.setEncoding("utf8");
      let buf = "";
      res.on("data", (chunk: string) => {
        buf += chunk;
        for (let end = buf.indexOf("\n\n"); end >= 0; end = buf.indexOf("\n\n")) {
          const block = buf.slice(0, end);
          buf = buf.slice(end + 2);
          const event = /^event: (.*)$/m.exec(block)?.[1];
          const ms = performance.now() - t0;
          if (event === "sentence") {
            rec.sentences++;
            rec.firstSentenceMs ??= ms;
            if (hangUp) {
              rec.hungUp = true;
              req.destroy();
              return resolve(rec);
            }
          } else if (event === "done") rec.doneMs = ms;
          else if (event === "error") rec.error = /^data: (.*)$/m.exec(block)?.[1] ?? "error event";
        }
      });
      res.on("end", () => resolve(rec));
      res.on("close", () => resolve(rec)); // a connection closed before the end (resolving twice is a no-op)
      res.on("error", (e) => {
        if (!rec.hungUp) rec.error ??= e.message;
        resolve(rec);
      });
    });
    req.end(body);
  });
}

/** The client process: one phase's requests; a JSON report on stdout. */
async function runClients(url: string): Promise<void> {
  const clients = Number(benchArg("clients", "1"));
  const mode = benchArg("mode", "parallel") as Mode;
  const papers = await readPapers(Number(benchArg("offset", "0")), clients);
  const t0 = performance.now();
  const recs: Rec[] = [];
  if (mode === "sequential") for (const p of papers) recs.push(await oneRequest(url, p, false));
  else
    recs.push(...(await Promise.all(papers.map((p, i) => oneRequest(url, p, mode === "abort-half" && i % 2 === 0)))));
  process.stdout.write(`${JSON.stringify({ wallMs: performance.now() - t0, recs })}\n`);
}

/** What the server's generations did in a phase: ran to `done`, stopped by a hang-up, or failed. */
type Outcome = "done" | "stopped" | "failed";
type GenStats = Record<Outcome, number[]>; // ms from taking the turn to the end, per generation

/** The server, sampled while a child process runs each phase's clients. */
async function runServer(): Promise<void> {
  if (!existsSync(join(dataDir, "papers.jsonl.gz"))) {
    console.log(`ideas-load: skipped: no ${join(dataDir, "papers.jsonl.gz")} (../shared/data beside the checkout)`);
    return;
  }
  const llm = LlmConfig.parse({ backend: "builtin", modelPath: SHIPPED_POLICY_PATH, threads: 1 });
  const backend = await openBackend("builtin", { llm, home: resolveHome(undefined), log: silentLogger });
  const rewardModel = loadRewardModel(SHIPPED_REWARD_MODEL_DIR);
  const scoreCache = createScoreCache();
  const score = (texts: string[]) => scoreIdeas(texts, { model: rewardModel, cache: scoreCache });
  const turns = createTurns();
  const controllersDir = join(SHIPPED_POLICY_PATH, "..", "controllers");
  let controllers: ControllerSet | undefined;
  const controllerSet = () => (controllers ??= loadControllerSet(controllersDir));
  // serve's controlOptions (src/cli, not exported from its door), for the shipped policy's folder.
  const controlOf = (o: Parameters<IdeasApiDeps["generate"]>[1]) =>
    o.control === "best-of-k"
      ? { bestOfK: { k: o.bestOf, weights: o.weights, score } }
      : o.control === "static"
        ? { steering: staticSteering(controllerSet(), o.weights) }
        : o.control === "dynamic"
          ? {
              dynamic: {
                controllers: controllerSet(),
                decoder: loadDecoder(join(controllersDir, "decoder.json")),
                weights: o.weights,
                score,
              },
            }
          : {};
  let gens: GenStats = { done: [], stopped: [], failed: [] };
  /** The server's own view of each generation: from taking its turn to its end, and how it ended. */
  async function* counted(events: AsyncIterable<IdeaEvent>, signal: AbortSignal): AsyncGenerator<IdeaEvent> {
    const t = performance.now();
    let outcome: Outcome = "stopped";
    try {
      for await (const e of events) {
        if (e.type === "done") outcome = "done";
        yield e;
      }
    } catch (e) {
      if (!signal.aborted) outcome = "failed";
      throw e;
    } finally {
      gens[outcome].push(performance.now() - t);
    }
  }
  const ideas: IdeasApiDeps = {
    generate: (paper: SourcePaper, o) =>
      turns.iterate(() =>
        counted(
          generateIdeas(paper, {
            backend,
            n: o.n,
            seed: o.seed,
            temperature: 0.8,
            topP: 0.95,
            maxTokens,
            maxPromptTokens: 480,
            maxAttempts: 6,
            rewardModel,
            scoreCache,
            related: [{ id: paper.id ?? "(paper file)", title: paper.title, role: "source" }],
            signal: o.signal,
            sentences: o.sentences,
            ...controlOf(o),
          }),
          o.signal,
        ),
      ),
    controls: ["none", "best-of-k", "static", "dynamic"],
    meta: {
      backend: backend.name,
      models: {
        policy: modelHash(SHIPPED_POLICY_PATH),
        reward: modelHash(join(SHIPPED_REWARD_MODEL_DIR, "model.json")),
      },
    },
  };
  const server = await startServer({
    backend,
    modelId: "policy",
    ideas,
    log: silentLogger,
    host: "127.0.0.1",
    port: 0,
    turns,
  });

  const gc = (globalThis as { gc?: () => void }).gc;
  const t0 = performance.now();
  const seconds = () => Math.round((performance.now() - t0) / 1000);
  const memory = (label: string) => {
    gc?.();
    const m = process.memoryUsage();
    return { label, t: seconds(), rss: m.rss / MB, heap: m.heapUsed / MB };
  };
  const samples = [memory("start")];
  let peakRss = samples[0]?.rss ?? 0;
  const sampler = setInterval(() => samples.push(memory("during")), sampleSeconds * 1000);
  const peak = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss / MB)), 1_000);

  const self = fileURLToPath(import.meta.url);
  let offset = 0;
  const phase = async (name: string, clients: number, mode: Mode) => {
    gens = { done: [], stopped: [], failed: [] };
    const args = ["--role", "client", "--url", server.url, "--clients", String(clients), "--mode", mode];
    const child = spawn(
      process.execPath,
      ["--import", "tsx", self, ...args, "--offset", String(offset), "--control", control, "--data", dataDir],
      { stdio: ["ignore", "pipe", "inherit"] },
    );
    offset += clients; // every request its own paper
    let out = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    await new Promise((resolve) => child.on("exit", resolve));
    const report = JSON.parse(out.trim().split("\n").pop() ?? "{}") as { wallMs: number; recs: Rec[] };
    samples.push(memory(`after ${name}`));
    return { name, mode, ...report, gens };
  };
  const phases = [await phase("alone", alone, "sequential"), await phase("concurrent", concurrency, "parallel")];
  if (abortHalf) phases.push(await phase("abort-half", concurrency, "abort-half"));
  clearInterval(sampler);
  clearInterval(peak);
  await server.close();
  const closed = memory("server closed");
  await backend.close();

  // Nearest rank: of 50 (or fewer) requests, p99 is the slowest.
  const pct = (xs: number[], q: number) =>
    [...xs].sort((a, b) => a - b)[Math.max(0, Math.ceil(q * xs.length) - 1)] ?? Number.NaN;
  const ms = (x: number) => (Number.isNaN(x) ? "-" : Math.round(x).toLocaleString("en-US"));
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
  console.log(
    `ideas-load: builtin backend, shipped SFT policy (llama.cpp, 1 thread), shipped reward model, control ${control}, n=1, max tokens ${maxTokens}; clients in a separate process; gc ${gc ? "before each memory sample" : "not exposed"}`,
  );
  console.log("");
  console.log(
    "| phase | requests | completed | p50 ms to first sentence | p99 ms to first sentence | p50 ms to done | p99 ms to done | sentences |",
  );
  console.log("|---|---:|---:|---:|---:|---:|---:|---:|");
  for (const p of phases) {
    const kept = p.recs.filter((r) => !r.hungUp);
    const first = p.recs.flatMap((r) => (r.firstSentenceMs === null ? [] : [r.firstSentenceMs]));
    const done = kept.flatMap((r) => (r.doneMs === null ? [] : [r.doneMs]));
    const sentences = p.recs.reduce((a, r) => a + r.sentences, 0);
    const hung = p.recs.length - kept.length;
    const completed = `${done.length}${hung > 0 ? ` of ${kept.length} (${hung} hung up)` : ""}`;
    console.log(
      `| ${p.name} | ${p.recs.length} | ${completed} | ${ms(pct(first, 0.5))} | ${ms(pct(first, 0.99))} | ${ms(pct(done, 0.5))} | ${ms(pct(done, 0.99))} | ${sentences} (${(sentences / Math.max(1, p.recs.length)).toFixed(1)}/request) |`,
    );
  }
  console.log("");
  for (const p of phases) {
    const g = p.gens;
    const statuses = [...new Set(p.recs.map((r) => r.status))].join(", ");
    const errors = p.recs.flatMap((r) => (r.error ? [r.error] : []));
    console.log(
      `${p.name}: wall ${ms(p.wallMs)} ms; server generations (turn taken to end): ${g.done.length} to done (mean ${ms(mean(g.done))} ms), ${g.stopped.length} stopped by a hang-up (mean ${ms(mean(g.stopped))} ms), ${g.failed.length} failed; HTTP ${statuses}; ${errors.length} errors${errors.length ? `: ${errors.slice(0, 3).join(" | ")}` : ""}`,
    );
  }
  const single = phases[0] as (typeof phases)[number];
  const loaded = phases[1] as (typeof phases)[number];
  const aloneDone = pct(
    single.recs.flatMap((r) => (r.doneMs === null ? [] : [r.doneMs])),
    0.5,
  );
  const loadedDone = pct(
    loaded.recs.flatMap((r) => (r.doneMs === null ? [] : [r.doneMs])),
    0.99,
  );
  console.log(
    `concurrent p99 to done / alone p50 to done: ${(loadedDone / aloneDone).toFixed(1)}x (generation is serialised: expected ~${concurrency}x one generation; ${concurrency} x the mean generation under load = ${ms(concurrency * mean(loaded.gens.done))} ms)`,
  );
  console.log("");
  const during = samples.filter((s) => s.label !== "start");
  const heapPeak = Math.max(...samples.map((s) => s.heap));
  const start = samples[0] as (typeof samples)[number];
  const end = samples.at(-1) as (typeof samples)[number];
  console.log(
    `server memory: start rss ${start.rss.toFixed(0)} MB, heap ${start.heap.toFixed(1)} MB; peak rss ${peakRss.toFixed(0)} MB, heap ${heapPeak.toFixed(1)} MB (after GC, ${during.length} samples); end (${end.t} s) rss ${end.rss.toFixed(0)} MB, heap ${end.heap.toFixed(1)} MB`,
  );
  for (const s of samples.filter((x) => x.label.startsWith("after")))
    console.log(`  ${s.label} at ${s.t} s: rss ${s.rss.toFixed(0)} MB, heap ${s.heap.toFixed(1)} MB`);
  console.log(`  server closed: rss ${closed.rss.toFixed(0)} MB, heap ${closed.heap.toFixed(1)} MB`);
}

if (benchArg("role", "server") === "client") await runClients(benchArg("url", ""));
else await runServer();
