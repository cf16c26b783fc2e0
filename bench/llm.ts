/**
 * Decode speed of ideasteer's `llama` backend beside node-llama-cpp used directly, on a
 * Qwen2.5-0.5B-shaped model with random weights (llama architecture, d 896, 24 layers, 14 heads /
 * 2 KV heads, SwiGLU 4864, tied 151936-token head, Q8_0, ~525 MB) written to os.tmpdir() and
 * deleted afterwards. Also with a control vector changed every N tokens (a sentence's worth) and
 * at every token. All runs: 1 decode thread, same prompt, temperature 1, top-k 40, top-p 0.95 with a fixed seed.
 *
 *   npx tsx bench/llm.ts [--tokens 128] [--rounds 3] [--every 16] [--threads 1] [--model file.gguf]
 *
 * --model names a file to reuse, or to write once and keep (instead of a temporary one deleted afterwards).
 * Rounds alternate the runs so machine load hits them alike; the median per run is reported.
 */
import { existsSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { getLlama, LlamaCompletion, LlamaLogLevel } from "node-llama-cpp";
import { createRng } from "../src/core/index.js";
import type { LlamaConfig } from "../src/engine/index.js";
import { type GgufTokenizer, llamaTensorShapes, readGguf, writeLlamaGguf } from "../src/engine/index.js";
import { byteLevelTokenizer, extractFromLlamaBundle, openLlama, type TokenStep } from "../src/llm/index.js";
import { benchArg } from "./bench-arg.js";

const nTokens = Number(benchArg("tokens", "128"));
const rounds = Number(benchArg("rounds", "3"));
const every = Number(benchArg("every", "16"));
const threads = Number(benchArg("threads", "1"));
const givenModel = benchArg("model", "");

const QWEN25_05B: LlamaConfig = {
  vocabSize: 151936,
  dModel: 896,
  nLayers: 24,
  nHeads: 14,
  nKvHeads: 2,
  dFf: 4864,
  contextLength: 32768,
  ropeTheta: 1e6,
  normEps: 1e-6,
  tiedEmbeddings: true,
};
const PROMPT = "Title: Learning to generate research ideas with dynamic control\nMethod:";

/** The real Qwen2 tokenizer from the llama.cpp bundle, or a byte-level one padded to the same size. */
function qwenTokenizer(dir: string): GgufTokenizer {
  const got = extractFromLlamaBundle({ dir, paths: ["models/ggml-vocab-qwen2.gguf"] });
  if (got.ok) {
    const md = readGguf(join(dir, "models/ggml-vocab-qwen2.gguf")).metadata;
    const v = <T>(k: string) => md[k]?.value as T;
    return {
      model: "gpt2",
      pre: "qwen2",
      tokens: v<string[]>("tokenizer.ggml.tokens"),
      tokenTypes: v<number[]>("tokenizer.ggml.token_type"),
      merges: v<string[]>("tokenizer.ggml.merges"),
      eosId: Number(v<number>("tokenizer.ggml.eos_token_id")),
    };
  }
  console.log(`(${got.why}; using a padded byte-level vocabulary)`);
  const t = byteLevelTokenizer();
  const pad = QWEN25_05B.vocabSize - t.tokens.length;
  return {
    ...t,
    tokens: [...t.tokens, ...Array.from({ length: pad }, (_, i) => `<|unused_${i}|>`)],
    tokenTypes: [...t.tokenTypes, ...new Array(pad).fill(5)],
  };
}

/** Random weights; every layer shares one set of buffers (speed depends on shapes, not values) to save memory. */
function randomWeights(c: LlamaConfig): Map<string, Float32Array> {
  const rng = createRng(1);
  const byShape = new Map<string, Float32Array>();
  const weights = new Map<string, Float32Array>();
  for (const [name, shape] of llamaTensorShapes(c)) {
    const key = `${name.replace(/^blk\.\d+\./, "")}:${shape}`;
    let w = byShape.get(key);
    if (w === undefined) {
      const n = shape.reduce((a, b) => a * b, 1);
      const a = shape.length === 1 ? 0 : name === "token_embd.weight" ? 1 : 1 / Math.sqrt(shape[0]);
      w = new Float32Array(n);
      for (let i = 0; i < n; i++) w[i] = shape.length === 1 ? 1 : a * (2 * rng.next() - 1);
      byShape.set(key, w);
    }
    weights.set(name, w);
  }
  return weights;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** A moment of the decode: wall clock and this process's CPU time (all threads), both in ms. */
type Stamp = { wallMs: number; cpuMs: number };
const stamp = (): Stamp => {
  const u = process.cpuUsage();
  return { wallMs: performance.now(), cpuMs: (u.user + u.system) / 1000 };
};

/**
 * Decode rate from the first generated token to the last: tokens per wall second, and tokens per
 * CPU second (robust when other processes compete for the cores: waiting for a core costs no CPU time).
 */
type Rate = { wall: number; cpu: number };
function rate(stamps: Stamp[]): Rate {
  const first = stamps[0];
  const last = stamps[stamps.length - 1];
  const n = stamps.length - 1;
  return { wall: n / ((last.wallMs - first.wallMs) / 1000), cpu: n / ((last.cpuMs - first.cpuMs) / 1000) };
}

const dir = mkdtempSync(join(tmpdir(), "ideasteer-bench-llm-"));
try {
  const modelPath = givenModel || join(dir, "qwen25-05b-shaped-q8_0.gguf");
  let t0 = performance.now();
  if (!existsSync(modelPath)) {
    writeLlamaGguf(modelPath, {
      config: QWEN25_05B,
      weights: randomWeights(QWEN25_05B),
      tokenizer: qwenTokenizer(dir),
      fileType: "Q8_0",
      name: "random",
    });
    console.log(
      `wrote ${modelPath}: ${(statSync(modelPath).size / 1e6).toFixed(0)} MB in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
    );
  } else console.log(`using ${modelPath} (${(statSync(modelPath).size / 1e6).toFixed(0)} MB)`);

  const llama = await getLlama({ gpu: false, build: "never", logLevel: LlamaLogLevel.error });
  t0 = performance.now();
  const direct = await llama.loadModel({ modelPath, gpuLayers: 0 });
  const directCtx = await direct.createContext({ contextSize: 512, threads, flashAttention: false });
  const directSeq = directCtx.getSequence();
  const completion = new LlamaCompletion({ contextSequence: directSeq });
  const ours = await openLlama({ modelPath, threads, contextSize: 512, llama });
  console.log(
    `loaded both in ${((performance.now() - t0) / 1000).toFixed(1)} s; ${nTokens} tokens per run, ${rounds} rounds, ${threads} thread(s)`,
  );

  const rng = createRng(2);
  const direction = Array.from({ length: ours.info.nLayers }, (_, il) =>
    il === 0 ? undefined : Float32Array.from({ length: ours.info.nEmbd }, () => 0.05 * rng.normal()),
  );
  const sampling = { temperature: 1, topK: 40, topP: 0.95, seed: 42 }; // node-llama-cpp's defaults, for both

  const runs: Record<string, () => Promise<Rate>> = {
    "node-llama-cpp direct": async () => {
      const stamps: Stamp[] = [];
      await directSeq.clearHistory(); // evaluate the prompt afresh, as our backend does
      await completion.generateCompletion(PROMPT, {
        maxTokens: nTokens,
        ...sampling,
        onToken: () => stamps.push(stamp()),
      });
      return rate(stamps);
    },
    "ideasteer llama backend": async () => {
      const stamps: Stamp[] = [];
      await ours.generate(PROMPT, {
        maxTokens: nTokens,
        ...sampling,
        onToken: () => void stamps.push(stamp()),
      });
      return rate(stamps);
    },
    [`  + control vector changed every ${every} tokens`]: async () => {
      const stamps: Stamp[] = [];
      await ours.generate(PROMPT, {
        maxTokens: nTokens,
        ...sampling,
        onToken: (s: TokenStep) => {
          stamps.push(stamp());
          if (s.index % every === 0) ours.setControlVector(direction, Math.sin(s.index));
        },
      });
      ours.clearControlVector();
      return rate(stamps);
    },
    "  + control vector changed at every token": async () => {
      const stamps: Stamp[] = [];
      await ours.generate(PROMPT, {
        maxTokens: nTokens,
        ...sampling,
        onToken: (s: TokenStep) => {
          stamps.push(stamp());
          ours.setControlVector(direction, Math.sin(s.index));
        },
      });
      ours.clearControlVector();
      return rate(stamps);
    },
  };
  const results = new Map<string, Rate[]>(Object.keys(runs).map((k) => [k, []]));
  await runs["ideasteer llama backend"](); // warm-up (page cache, repacking)
  await runs["node-llama-cpp direct"]();
  for (let r = 0; r < rounds; r++) for (const [k, run] of Object.entries(runs)) results.get(k)!.push(await run());

  const base = results.get("node-llama-cpp direct")!;
  const baseWall = median(base.map((r) => r.wall));
  const baseCpu = median(base.map((r) => r.cpu));
  console.log(
    `\n| run | tokens/s wall (median of ${rounds}; runs) | vs direct | tokens per CPU-s (median) | vs direct |`,
  );
  console.log("|---|---|---|---|---|");
  const pct = (x: number, b: number) => `${x >= b ? "+" : ""}${((x / b - 1) * 100).toFixed(1)}%`;
  for (const [k, rs] of results) {
    const wall = median(rs.map((r) => r.wall));
    const cpu = median(rs.map((r) => r.cpu));
    const runsText = rs.map((r) => r.wall.toFixed(1)).join(", ");
    console.log(
      `| ${k.trim()} | ${wall.toFixed(2)} (${runsText}) | ${pct(wall, baseWall)} | ${cpu.toFixed(2)} | ${pct(cpu, baseCpu)} |`,
    );
  }
  await ours.close();
  await directCtx.dispose();
  await direct.dispose();
  await llama.dispose();
} finally {
  rmSync(dir, { recursive: true, force: true });
}
