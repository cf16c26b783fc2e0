import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { createProgress, type Logger, writeFileAtomic } from "../core/index.js";
import { parseSftPrompt } from "../datasets/index.js";
import { type LlamaModel, llamaFromWeights, loadTokenizer } from "../engine/index.js";
import { generateIdeas, type IdeaEvent, type SourcePaper } from "../ideas/index.js";
import { openLlama } from "../llm/index.js";
import {
  loadBaseModel,
  readSftRows,
  type SftExample,
  sftBatch,
  tokenizeSftRows,
  withShuffledPapers,
} from "../train/index.js";
import { type Interval, pairedBootstrap } from "./bootstrap.js";
import { renderSftReport } from "./sft-report.js";

export type EvalSftOptions = {
  /** name -> model (a checkpoint, a run, or a model folder with model.gguf + tokenizer.json); the first is sampled. */
  policies: { name: string; path: string }[];
  base: string; // the model SFT started from, on the same held-out ideas
  datasetDir: string;
  split: "val" | "test";
  samples: number; // ideas written in the report, one per held-out paper
  parsePapers: number; // held-out papers whose first generation is checked against the layout
  resamples: number;
  seed: number;
  limits: { maxPromptTokens: number; maxTargetTokens: number };
  outDir: string;
  reportName: string;
  command: string;
  log: Logger;
  progress?: boolean;
};

/** Token-weighted held-out idea loss of one model, per pair: after the paper, after another paper. */
export type PairLosses = { paired: number[]; randomPaper: number[]; tokens: number[] };

export type SftEvalResult = {
  pairs: number;
  split: string;
  models: {
    name: string;
    lossPaired: number;
    lossRandomPaper: number;
    gap: number; // random-paper minus paired, nats per idea token
    gapCi: Interval | null;
    vsBase: number | null; // base minus this model on the paired ideas (positive: SFT helped)
    vsBaseCi: Interval | null;
  }[];
  base: { lossPaired: number; lossRandomPaper: number };
  versus: { a: string; b: string; diff: number; ci: Interval | null } | null; // first two policies: b minus a
  parse: { papers: number; firstTry: number; repaired: number; attempts: number };
  samples: { paper: SourcePaper; idea: string; repaired: boolean; attempts: number }[];
  command: string;
};

/**
 * `ideasteer eval sft`: does the policy read the paper, and did SFT help? Held-out golden ideas are scored by
 * each model after their own paper and after another held-out paper (a fixed derangement); the gap and the
 * SFT-vs-base difference get paired bootstrap intervals over pairs. Then the first policy writes ideas for
 * held-out papers through llama.cpp, as `generate` does: the share that parse before any repair, and samples.
 */
export async function evalSft(o: EvalSftOptions): Promise<{ reportPath: string; result: SftEvalResult }> {
  const rows = readSftRows(join(o.datasetDir, `sft.${o.split}.jsonl`));
  const losses = new Map<string, PairLosses>();
  for (const m of [...o.policies, { name: "base", path: o.base }]) losses.set(m.name, pairLosses(m, rows, o));
  const base = losses.get("base") as PairLosses;
  const mean = (xs: number[], idx: readonly number[], t: number[]) => sumAt(xs, idx) / sumAt(t, idx);
  const boot = (f: (idx: readonly number[]) => number) =>
    pairedBootstrap(rows.length, { v: f }, { resamples: o.resamples, seed: o.seed }).v;
  const all = rows.map((_, i) => i);
  const models = o.policies.map(({ name }) => {
    const l = losses.get(name) as PairLosses;
    const gapOf = (idx: readonly number[]) => mean(l.randomPaper, idx, l.tokens) - mean(l.paired, idx, l.tokens);
    const vsBaseOf = (idx: readonly number[]) => mean(base.paired, idx, base.tokens) - mean(l.paired, idx, l.tokens);
    return {
      name,
      lossPaired: mean(l.paired, all, l.tokens),
      lossRandomPaper: mean(l.randomPaper, all, l.tokens),
      gap: gapOf(all),
      gapCi: boot(gapOf),
      vsBase: vsBaseOf(all),
      vsBaseCi: boot(vsBaseOf),
    };
  });
  const versus = versusOf(o.policies, losses, boot, mean, all);
  const generated = await sampleIdeas(o, rows.map(paperOf));
  const result: SftEvalResult = {
    pairs: rows.length,
    split: o.split,
    models,
    base: {
      lossPaired: mean(base.paired, all, base.tokens),
      lossRandomPaper: mean(base.randomPaper, all, base.tokens),
    },
    versus,
    ...generated,
    command: o.command,
  };
  mkdirSync(o.outDir, { recursive: true });
  const reportPath = join(o.outDir, `${o.reportName}.md`);
  writeFileAtomic(reportPath, renderSftReport(result));
  writeFileAtomic(join(o.outDir, `${o.reportName}.json`), `${JSON.stringify(result, null, 2)}\n`);
  return { reportPath, result };
}

/** One model's summed idea loss per pair (batch of one: exact per-pair figures), paired and with another paper. */
function pairLosses(
  m: { name: string; path: string },
  rows: ReturnType<typeof readSftRows>,
  o: EvalSftOptions,
): PairLosses {
  const b = loadBaseModel(m.path);
  const tok = loadTokenizer(b.tokenizerPath);
  const model: LlamaModel = llamaFromWeights(b.llamaConfig, b.weights);
  const { examples } = tokenizeSftRows(tok, rows, o.limits);
  const pad = tok.tokenId("<|end|>");
  const bar = createProgress({
    label: `idea loss (${m.name})`,
    total: examples.length * 2,
    unit: "pair",
    enabled: o.progress ?? false,
  });
  const run = (xs: SftExample[]) =>
    xs.map((ex) => {
      bar.tick();
      return model.evalLoss(sftBatch([ex], pad));
    });
  const paired = run(examples);
  const random = run(withShuffledPapers(examples));
  bar.done();
  return {
    paired: paired.map((r) => r.loss),
    randomPaper: random.map((r) => r.loss),
    tokens: paired.map((r) => r.lossTokens),
  };
}

function versusOf(
  policies: EvalSftOptions["policies"],
  losses: Map<string, PairLosses>,
  boot: (f: (idx: readonly number[]) => number) => Interval | null,
  mean: (xs: number[], idx: readonly number[], t: number[]) => number,
  all: number[],
): SftEvalResult["versus"] {
  const [a, b] = policies;
  if (!a || !b) return null;
  const la = losses.get(a.name) as PairLosses;
  const lb = losses.get(b.name) as PairLosses;
  const diff = (idx: readonly number[]) => mean(la.paired, idx, la.tokens) - mean(lb.paired, idx, lb.tokens);
  return { a: a.name, b: b.name, diff: diff(all), ci: boot(diff) };
}

/** The first policy's ideas for held-out papers through llama.cpp, counted against the layout, a few kept as samples. */
async function sampleIdeas(
  o: EvalSftOptions,
  papers: SourcePaper[],
): Promise<Pick<SftEvalResult, "parse" | "samples">> {
  const policy = o.policies[0];
  if (!policy) return { parse: { papers: 0, firstTry: 0, repaired: 0, attempts: 0 }, samples: [] };
  const modelPath = policy.path.endsWith(".gguf") ? policy.path : join(policy.path, "model.gguf");
  const backend = await openLlama({ modelPath, contextSize: 1024 });
  const parse = { papers: 0, firstTry: 0, repaired: 0, attempts: 0 };
  const samples: SftEvalResult["samples"] = [];
  try {
    const n = Math.min(papers.length, Math.max(o.parsePapers, o.samples));
    for (let i = 0; i < n; i++) {
      const paper = papers[i] as SourcePaper;
      const events: IdeaEvent[] = [];
      const opts = {
        backend,
        n: 1,
        seed: o.seed + i,
        temperature: 0.8,
        topP: 0.95,
        maxTokens: 512,
        maxPromptTokens: 480,
        maxAttempts: 8,
      };
      try {
        for await (const e of generateIdeas(paper, opts)) events.push(e);
      } catch (e) {
        o.log.warn("no idea in the layout after 8 attempts", { paper: paper.id, error: (e as Error).message });
        parse.papers++;
        parse.attempts += 8;
        continue;
      }
      const idea = events.find((e) => e.type === "idea");
      if (idea?.type !== "idea") continue;
      parse.papers++;
      parse.attempts += idea.attempts;
      if (idea.attempts === 1 && !idea.repaired) parse.firstTry++;
      if (idea.repaired) parse.repaired++;
      if (samples.length < o.samples)
        samples.push({ paper, idea: idea.text, repaired: idea.repaired, attempts: idea.attempts });
    }
  } finally {
    await backend.close();
  }
  return { parse, samples };
}

function paperOf(r: { supportingId: string; prompt: string }): SourcePaper {
  const p = parseSftPrompt(r.prompt);
  return { id: r.supportingId, title: p?.title ?? "", abstract: p?.abstract ?? "" };
}

/** The distinct supporting papers of SFT rows, in their first order: the papers RL and control evaluation use. */
export function sftSourcePapers(rows: readonly { supportingId: string; prompt: string }[]): SourcePaper[] {
  const seen = new Set<string>();
  return rows.flatMap((r) => {
    if (seen.has(r.supportingId)) return [];
    seen.add(r.supportingId);
    return [paperOf(r)];
  });
}

function sumAt(xs: number[], idx: readonly number[]): number {
  let s = 0;
  for (const i of idx) s += xs[i] as number;
  return s;
}
