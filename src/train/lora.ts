import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { type Logger, writeFileAtomic } from "../core/index.js";
import { parseSftPrompt, plainIdeaPrompt } from "../datasets/index.js";
import {
  batchPositions,
  createLlama,
  loadLlamaWeights,
  lossTokens,
  readGguf,
  readLlamaGguf,
  type TokenBatch,
  writeLoraGguf,
} from "../engine/index.js";
import { type LlamaBackend, openLlama } from "../llm/index.js";
import { bestCheckpoint } from "./best-checkpoint.js";
import { loadCheckpoint } from "./checkpoint.js";
import { backpropLora, createLoraAdapters, type LoraAdapter, loraParams, mergeLora } from "./lora-adapters.js";
import { LoraConfig, withLoraSchedule } from "./lora-config.js";
import { sftFiles } from "./sft.js";
import { createSftSampler, sftEvalBatches } from "./sft-batcher.js";
import { readSftRows, type SftExample, type SftPairRow } from "./sft-data.js";
import type { StageParts, TrainLoss, TrainStage } from "./train-stage.js";
import { train } from "./trainer.js";

export type LoraParts = StageParts<TokenBatch> & { adapters: LoraAdapter[]; scale: number };

/**
 * LoRA SFT as a stage of the trainer: the imported GGUF in the engine with its weights frozen, adapters as the
 * only parameters, the pairs as the `llama` backend will see them at generation (plainIdeaPrompt, llama.cpp's
 * tokenizer, its EOS after the idea), and the masked loss through the merged weights (lora-adapters.ts).
 */
export function loraStage(o: { home: string; onSetup?: (parts: LoraParts) => void }): TrainStage<LoraConfig> {
  return {
    name: "lora",
    config: LoraConfig,
    async setup(cfg, run) {
      const gguf = readLlamaGguf(cfg.base);
      const llama = createLlama(gguf.config, { seed: cfg.seed });
      loadLlamaWeights(llama, gguf.weights);
      for (const p of llama.params.values()) p.grad.fill(0);
      const adapters = createLoraAdapters(gguf.config, { rank: cfg.rank, targets: cfg.targets, seed: cfg.seed });
      const scale = cfg.alpha / cfg.rank;
      const frozen = new Map(adapters.map((ad) => [ad.base, Float32Array.from(gguf.weights.get(ad.base) ?? [])]));
      const files = sftFiles(cfg, o.home);
      const { train: trainRows, val: valRows, eos } = await tokenizeWithLlamaCpp(cfg, files);
      run.log.info("lora data", { files, train: trainRows.length, val: valRows.length, adapters: adapters.length });
      // The checkpoint's "tokenizer": the base model's, as its GGUF states it (the adapter is meaningless without it).
      const tokenizerPath = join(run.runDir, "base-tokenizer.json");
      writeFileSync(tokenizerPath, JSON.stringify({ base: cfg.base, tokenizer: gguf.tokenizer }));
      const params = loraParams(adapters);
      const loss: TrainLoss<TokenBatch> = {
        weight: lossTokens,
        positions: batchPositions,
        lossAndGrad(b, g) {
          mergeLora(llama, frozen, adapters, scale);
          const r = llama.lossAndGrad(b, { gradScale: g.gradScale });
          backpropLora(llama, adapters, scale);
          for (const p of llama.params.values()) p.grad.fill(0); // the base's own gradients are not used
          return r.loss;
        },
        evalLoss(b) {
          mergeLora(llama, frozen, adapters, scale);
          return llama.evalLoss(b).loss;
        },
      };
      const parts: LoraParts = {
        adapters,
        scale,
        model: {
          params,
          zeroGrad: () => {
            for (const p of params.values()) p.grad.fill(0);
          },
          llamaConfig: gguf.config,
          tokenizerPath,
        },
        openData: (cursor) => createSftSampler(trainRows, { B: cfg.batchSize, seed: cfg.seed, padId: eos, cursor }),
        valBatches: sftEvalBatches(valRows, cfg.batchSize, eos),
        loss,
      };
      o.onSetup?.(parts);
      return parts;
    },
  };
}

/** `ideasteer train lora`: the stage on its epoch schedule, then the best checkpoint's adapter as a LoRA GGUF. */
export async function loraSft(o: {
  config?: LoraConfig;
  resume?: string;
  home: string;
  log: Logger;
  progress?: boolean;
  signal?: AbortSignal;
}): Promise<{ runDir: string; adapter: string; bestStep: number; lossVal: number }> {
  const config = o.config ? withLoraSchedule(o.config, countBatches(o.config, o.home)) : undefined;
  const r = await train(loraStage({ home: o.home }), { ...o, config, runsRoot: join(o.home, "runs") });
  const best = bestCheckpoint(r.runDir);
  const adapter = join(r.runDir, "adapter.gguf");
  exportLoraCheckpoint(best.dir, adapter);
  writeFileAtomic(join(r.runDir, "summary.json"), `${JSON.stringify({ ...best, adapter }, null, 2)}\n`);
  return { runDir: r.runDir, adapter, bestStep: best.step, lossVal: best.value };
}

/** A LoRA checkpoint's adapters as llama.cpp's LoRA GGUF (alpha from its config). */
export function exportLoraCheckpoint(checkpointDir: string, out: string): void {
  const ck = loadCheckpoint(checkpointDir);
  const cfg = LoraConfig.parse(ck.trainConfig);
  const adapters = new Map<string, { a: Float32Array; b: Float32Array; rank: number }>();
  for (const [name, t] of ck.weights) {
    if (!name.endsWith(".lora_a")) continue;
    const base = name.slice(0, -".lora_a".length);
    const b = ck.weights.get(`${base}.lora_b`);
    if (!b) throw new Error(`${checkpointDir}: ${base}.lora_b is missing`);
    adapters.set(base, { a: t.data, b: b.data, rank: t.shape[0] as number });
  }
  writeLoraGguf(out, { baseConfig: ck.llamaConfig, alpha: cfg.alpha, adapters });
}

function countBatches(cfg: LoraConfig, home: string): number {
  const rows = sftFiles(cfg, home).train.reduce((n, f) => n + readSftRows(f).length, 0);
  return Math.ceil(rows / cfg.batchSize);
}

/** The pairs in llama.cpp's tokens: BOS as the model wants it, the plain prompt, the idea, EOS. */
async function tokenizeWithLlamaCpp(
  cfg: LoraConfig,
  files: { train: string[]; val: string },
): Promise<{ train: SftExample[]; val: SftExample[]; eos: number }> {
  const eosValue = readGguf(cfg.base).metadata["tokenizer.ggml.eos_token_id"]?.value;
  const eos = typeof eosValue === "number" || typeof eosValue === "bigint" ? Number(eosValue) : -1;
  if (eos < 0) throw new Error(`${cfg.base}: tokenizer.ggml.eos_token_id is missing; the idea's end cannot be taught`);
  const backend: LlamaBackend = await openLlama({ modelPath: cfg.base, contextSize: 256 });
  try {
    const encode = async (rows: SftPairRow[]) => {
      const out: SftExample[] = [];
      for (const r of rows) out.push(await encodePair(backend, r, cfg, eos));
      return out;
    };
    return { train: await encode(files.train.flatMap(readSftRows)), val: await encode(readSftRows(files.val)), eos };
  } finally {
    await backend.close();
  }
}

async function encodePair(backend: LlamaBackend, r: SftPairRow, cfg: LoraConfig, eos: number): Promise<SftExample> {
  const paper = parseSftPrompt(r.prompt);
  if (!paper) throw new Error(`SFT row ${r.id}: prompt is not <|paper|>…<|idea|>`);
  const prompt = await backend.tokenize(plainIdeaPrompt(paper.title, paper.abstract), { special: false, addBos: true });
  const idea = await backend.tokenize(r.target, { special: false, addBos: false });
  const whole = idea.length + 1 <= cfg.maxTargetTokens;
  return {
    id: r.id,
    supportingId: r.supportingId,
    // The prompt's head (rule, paper start) and its cue line matter most: cut the middle, the abstract's end.
    prompt:
      prompt.length <= cfg.maxPromptTokens
        ? prompt
        : [...prompt.slice(0, cfg.maxPromptTokens - 24), ...prompt.slice(-24)],
    target: whole ? [...idea, eos] : idea.slice(0, cfg.maxTargetTokens),
  };
}
