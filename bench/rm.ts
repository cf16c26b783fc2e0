/**
 * Reward-model scoring speed (issue 11 §3, §7) on 2,700 real abstracts (a seeded sample of reviews.jsonl.gz,
 * title + abstract laid out as ideas), beside baselines measured in the same run on the same texts:
 *   - a transformer model (`ideasteer-reward-transformer`): a plain forward pass of the same network on
 *     pre-tokenised texts, length-sorted, at batch 1 and 32 (no pooling, percentile map, hashing or cache), and
 *     tokenisation alone;
 *   - the TF-IDF ridge model: raw dot products on pre-vectorised rows, and tokenise + vectorise alone.
 * Ours: `scoreIdeas` at batch 1 and 32 (cold cache: every text new; warm: all cached), with its ratio to the
 * baseline at the same batch size, and `ideasteer score <file> --json` end to end as one process (start, model
 * load, layout, scoring, output).
 * Loading a transformer model: read its GGUF and build the network over those weights, beside the same read with a
 * random init and a copy of the weights into it (what loading did before).
 * Best-of-K rounds (a transformer model): per idea and sentence, K texts that continue the idea so far (its next
 * sentence and K − 1 from other ideas), scored through the KV cache that keeps the shared part, text by text and
 * each round's own tokens as one batch (`predictMany`, what scoring does), beside the batched forward pass that
 * reads every text whole (`predictRaw`), on the same texts.
 *
 *   npx tsx bench/rm.ts [--model models/reward] [--n 2700] [--seed 20261205] [--threads 2] [--rounds-ideas 40] [--rounds-k 4]
 */
import { spawnSync } from "node:child_process";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { createRng } from "../src/core/index.js";
import { ReviewRecord, readJsonlGz } from "../src/datasets/index.js";
import { createLlama, loadLlamaWeights, readLlamaGguf, setNumThreads } from "../src/engine/index.js";
import { DIMENSIONS } from "../src/idea/index.js";
import {
  abstractAsIdea,
  createPrefixPredictor,
  createScoreCache,
  ENSEMBLE_RM_FORMAT,
  loadRewardModel,
  loadTfidfRewardModel,
  loadTransformerRewardModel,
  predictRaw,
  type RewardModel,
  rewardTokens,
  SHIPPED_REWARD_MODEL_DIR,
  scoreIdeas,
  sparseDot,
  TRANSFORMER_RM_FORMAT,
  vectorize,
} from "../src/reward/index.js";
import { sharedPath } from "../src/testing/index.js";
import { benchArg } from "./bench-arg.js";

const n = Number(benchArg("n", "2700"));
const seed = Number(benchArg("seed", "20261205"));
const modelDir = benchArg("model", SHIPPED_REWARD_MODEL_DIR);
setNumThreads(Number(benchArg("threads", "2")));

const papers: { id: string; title: string; abstract: string }[] = [];
for await (const { value } of readJsonlGz(sharedPath("reviews.jsonl.gz"))) {
  const r = ReviewRecord.parse(value);
  papers.push({ id: r.id, title: r.title, abstract: r.abstract });
}
const sample = createRng(seed).shuffle(papers).slice(0, n);

const time =
  <T>(f: () => T | Promise<T>) =>
  async (): Promise<{ wallS: number; cpuS: number; value: T }> => {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    const value = await f();
    const cpu = process.cpuUsage(c0);
    return { wallS: (performance.now() - t0) / 1000, cpuS: (cpu.user + cpu.system) / 1e6, value };
  };

const rows: { what: string; items: number; wallS: number; cpuS: number; vs?: string }[] = [];
const record = (what: string, items: number, r: { wallS: number; cpuS: number }) => rows.push({ what, items, ...r });

const layout = await time(() => sample.map((p) => abstractAsIdea(p.title, p.abstract)))();
const texts = layout.value;
record("layout: title + abstract -> idea text (abstractAsIdea)", n, layout);

// The floor at each batch size: what the same model costs with everything but its arithmetic taken away.
const floor = new Map<number, string>();
const opened: RewardModel = loadRewardModel(modelDir);
// A transformer model, or an ensemble with a transformer member: its plain forward pass is the floor.
const formatOf = (dir: string) =>
  (JSON.parse(readFileSync(join(dir, "model.json"), "utf8")) as { format: string }).format;
const transformerDir =
  formatOf(modelDir) === TRANSFORMER_RM_FORMAT
    ? modelDir
    : formatOf(modelDir) === ENSEMBLE_RM_FORMAT
      ? (JSON.parse(readFileSync(join(modelDir, "model.json"), "utf8")) as { members: { dir: string }[] }).members
          .map((m) => resolve(modelDir, m.dir))
          .find((d) => formatOf(d) === TRANSFORMER_RM_FORMAT)
      : undefined;
if (transformerDir) {
  // Loading: the backbone built straight over the weights read from its GGUF, beside a random init then a copy.
  const ggufPath = join(transformerDir, "backbone.gguf");
  const copied = await time(() => {
    const g = readLlamaGguf(ggufPath);
    loadLlamaWeights(createLlama(g.config, { seed: 0 }), g.weights);
  })();
  record("baseline: read the backbone GGUF, random init, copy the weights in (models)", 1, copied);
  const direct = await time(() => loadTransformerRewardModel(transformerDir))();
  record("load the transformer reward model: read, built over the weights (models)", 1, direct);
  (rows[rows.length - 1] as { vs?: string }).vs = `${(direct.wallS / copied.wallS).toFixed(2)}x`;
  const loaded = loadTransformerRewardModel(transformerDir);
  const { model: net, tokenizer } = loaded.network;
  const maxTokens = loaded.file.maxTokens;
  const tok = await time(() => texts.map((t) => rewardTokens(tokenizer, t, maxTokens)))();
  record("baseline: tokenise only", n, tok);
  const pad = tokenizer.tokenId("<|end|>");
  const sorted = [...tok.value].sort((a, b) => a.length - b.length);
  for (const batch of [1, 32]) {
    const r = await time(() => {
      for (let i = 0; i < sorted.length; i += batch) {
        const group = sorted.slice(i, i + batch);
        const T = Math.max(1, ...group.map((g) => g.length));
        const tokens = new Int32Array(group.length * T).fill(pad);
        group.forEach((g, b) => {
          tokens.set(g, b * T);
        });
        net.forward(tokens, group.length, T, { output: "hidden", grad: false });
      }
    })();
    record(`baseline: plain forward pass, batch ${batch}, pre-tokenised, length-sorted`, n, r);
    floor.set(batch, rows[rows.length - 1]?.what ?? "");
  }
} else {
  const model = loadTfidfRewardModel(modelDir);
  const vec = await time(() => texts.map((t) => vectorize(model.vectorizer, t)))();
  record("baseline: tokenise + vectorise only", n, vec);
  const dots = await time(() => {
    let s = 0;
    for (const row of vec.value)
      for (const d of DIMENSIONS) s += sparseDot(row, model.data.heads[d].weights, model.data.heads[d].bias);
    return s;
  })();
  record("baseline: raw dot products, 3 heads, pre-vectorised", n, dots);
  floor.set(1, rows[rows.length - 1]?.what ?? "");
  floor.set(32, rows[rows.length - 1]?.what ?? "");
}

for (const batch of [1, 32]) {
  const cache = createScoreCache();
  const run = async () => {
    for (let i = 0; i < texts.length; i += batch) await scoreIdeas(texts.slice(i, i + batch), { model: opened, cache });
  };
  record(`scoreIdeas batch ${batch}, cold cache`, n, await time(run)());
  const base = rows.find((r) => r.what === floor.get(batch));
  const cold = rows[rows.length - 1];
  if (base && cold) cold.vs = `${(cold.wallS / base.wallS).toFixed(2)}x`;
  record(`scoreIdeas batch ${batch}, warm cache (all hits)`, n, await time(run)());
}

if (transformerDir) {
  // Best-of-K's rounds: every text continues the idea so far, which the KV cache keeps from text to text.
  const { model: net, tokenizer, heads } = loadTransformerRewardModel(transformerDir).network;
  const maxTokens = loadTransformerRewardModel(transformerDir).file.maxTokens;
  const ideas = texts.slice(0, Number(benchArg("rounds-ideas", "40")));
  const K = Number(benchArg("rounds-k", "4"));
  const sentencesOf = (t: string) => t.split(/(?<=[.!?\n])/);
  const rounds: string[][] = [];
  ideas.forEach((idea, i) => {
    const own = sentencesOf(idea);
    const others = Array.from({ length: K - 1 }, (_, o) => sentencesOf(ideas[(i + o + 1) % ideas.length] as string));
    for (let r = 1; r < own.length; r++) {
      const prefix = own.slice(0, r).join("");
      rounds.push([own[r], ...others.map((x) => x[r % x.length])].map((c) => prefix + c));
    }
  });
  const items = rounds.length * K;
  const batched = await time(() => {
    for (const round of rounds) predictRaw(net, tokenizer, heads, round, { maxTokens });
  })();
  record(
    `baseline: best-of-${K} rounds, each round's ${K} texts one batched forward (${rounds.length} rounds)`,
    items,
    batched,
  );
  const cachedPath = createPrefixPredictor(net, tokenizer, heads, maxTokens);
  const cached = await time(() => {
    for (const round of rounds) for (const t of round) cachedPath.predict(t);
  })();
  record(`best-of-${K} rounds through the KV cache, text by text (${cachedPath.tokensRun} tokens run)`, items, cached);
  (rows[rows.length - 1] as { vs?: string }).vs = `${(cached.wallS / batched.wallS).toFixed(2)}x`;
  const togetherPath = createPrefixPredictor(net, tokenizer, heads, maxTokens);
  const together = await time(() => {
    for (const round of rounds) togetherPath.predictMany(round);
  })();
  record(
    `best-of-${K} rounds through the KV cache, each round's own tokens one batch (${togetherPath.tokensRun} tokens run)`,
    items,
    together,
  );
  (rows[rows.length - 1] as { vs?: string }).vs =
    `${(together.wallS / batched.wallS).toFixed(2)}x (${(together.wallS / cached.wallS).toFixed(2)}x text by text)`;
}

const file = join(tmpdir(), `ideasteer-bench-rm-${process.pid}.jsonl`);
writeFileSync(file, sample.map((p) => `${JSON.stringify(p)}\n`).join(""));
const main = fileURLToPath(new URL("../src/cli/main.ts", import.meta.url));
const home = join(tmpdir(), `ideasteer-bench-rm-home-${process.pid}`);
const t0 = performance.now();
const cli = spawnSync(
  process.execPath,
  ["--import", "tsx", main, "--home", home, "score", file, "--json", "--model", modelDir],
  {
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
    env: { ...process.env, NODE_NO_WARNINGS: "1" },
  },
);
const cliS = (performance.now() - t0) / 1000;
rmSync(file, { force: true });
rmSync(home, { recursive: true, force: true });
const outLines = cli.stdout.trim().split("\n").length;
if (cli.status !== 0 || outLines !== n)
  throw new Error(`score CLI failed (${cli.status}, ${outLines} lines): ${cli.stderr}`);
rows.push({
  what: "`ideasteer score <2,700 abstracts> --json`, one process, empty --home (tsx)",
  items: n,
  wallS: cliS,
  cpuS: Number.NaN,
});

console.log(
  `\n${new Date().toISOString()}, load average ${loadavg()[0]?.toFixed(1)}, n = ${n}, model ${opened.name} (${modelDir})\n`,
);
console.log(
  "| run | items | wall s | CPU s | items/s | wall / baseline at the same batch |\n|---|---:|---:|---:|---:|---:|",
);
for (const r of rows)
  console.log(
    `| ${r.what} | ${r.items} | ${r.wallS.toFixed(3)} | ${Number.isNaN(r.cpuS) ? "–" : r.cpuS.toFixed(3)} | ${Math.round(r.items / r.wallS)} | ${r.vs ?? ""} |`,
  );
