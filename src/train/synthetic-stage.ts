import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";
import { createLlama, type LlamaConfig, type TokenBatch } from "../engine/index.js";
import { createBatchSampler, evalBatches, parseSamplerCursor } from "./batch-sampler.js";
import { tokenLoss } from "./token-loss.js";
import type { TrainHooks, TrainStage } from "./train-stage.js";
import { checkTrainerConfig, TrainerConfig } from "./trainer-config.js";

/**
 * The smallest stage on the trainer, and the fixture of its tests: a tiny llama learning a synthetic token stream
 * in milliseconds per step. It shows what a stage provides (a config extending TrainerConfig, a model, a data
 * source with a cursor, a loss, hooks) and exercises every piece of state a checkpoint restores: weights, AdamW
 * moments, the RNG (its samples draw from it), the data cursor and a stage's extra state (samples drawn).
 */
export const SyntheticConfig = TrainerConfig.extend({
  batchSize: z.number().int().positive().default(2).describe("sequences per micro-batch (B)"),
  seqLen: z.number().int().positive().default(8).describe("tokens per sequence (T)"),
}).superRefine((c, ctx) => checkTrainerConfig(c, (message) => ctx.addIssue({ code: "custom", message })));
export type SyntheticConfig = z.infer<typeof SyntheticConfig>;

const VOCAB = 16;
/** The smallest llama that still has every part (GQA, SwiGLU, an untied head): for the trainer's tests. */
export const SYNTHETIC_MODEL: Omit<LlamaConfig, "vocabSize"> = {
  dModel: 16,
  nLayers: 1,
  nHeads: 2,
  nKvHeads: 1,
  dFf: 32,
  contextLength: 8,
  ropeTheta: 10_000,
  normEps: 1e-5,
  tiedEmbeddings: false,
};
// A stream with structure to learn (a slow drift over a fast cycle) and enough windows for a few epochs.
const stream = (n: number, phase: number) =>
  Int32Array.from({ length: n }, (_, i) => (i * 5 + (i >> 4) + phase) % VOCAB);

/** `hooks` are added to the stage's own (a test counts steps or stalls with them); `onLoss` sees every lossAndGrad. */
export function syntheticStage(o: { hooks?: TrainHooks; onLoss?: () => void } = {}): TrainStage<SyntheticConfig> {
  return {
    name: "synthetic",
    config: SyntheticConfig,
    setup(cfg, run) {
      const llama = createLlama({ ...SYNTHETIC_MODEL, vocabSize: VOCAB }, { seed: cfg.seed });
      const tokenizerPath = join(run.runDir, "tokenizer.json"); // a checkpoint copies its model's tokenizer
      writeFileSync(tokenizerPath, '{"synthetic":true}\n');
      const loss = tokenLoss(llama);
      const B = cfg.batchSize;
      const T = cfg.seqLen;
      let samplesDrawn = 0;
      return {
        model: { params: llama.params, zeroGrad: () => llama.zeroGrad(), llamaConfig: llama.config, tokenizerPath },
        openData: (cursor) =>
          createBatchSampler(stream(400, 0), { B, T, seed: cfg.seed, cursor: parseSamplerCursor(cursor) }),
        valBatches: evalBatches(stream(120, 3), { B, T, count: 2 }),
        loss: {
          ...loss,
          lossAndGrad: (b: TokenBatch, g: { gradScale: number }) => {
            o.onLoss?.();
            return loss.lossAndGrad(b, g);
          },
        },
        hooks: {
          ...o.hooks,
          sample: ({ rng }) => {
            samplesDrawn++;
            const ids = llama.generate([1, 2], { maxTokens: 4, temperature: 1, rng });
            return [{ ids, samplesDrawn }];
          },
          extraState: {
            save: () => ({ samplesDrawn }),
            load: (s) => {
              samplesDrawn = z.object({ samplesDrawn: z.number().int() }).parse(s).samplesDrawn;
            },
          },
        },
      };
    },
  };
}
