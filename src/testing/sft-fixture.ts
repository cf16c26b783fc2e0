import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  type BpeTokenizer,
  checkLlamaConfig,
  createLlama,
  llamaWeights,
  saveTokenizer,
  trainBpe,
  writeLlamaGguf,
} from "../engine/index.js";

export type FixturePair = { id: string; supportingId: string; prompt: string; target: string };

const TOPICS = ["graph neural networks", "diffusion models", "speech recognition", "robot grasping", "protein folding"];

/** SFT pairs whose idea repeats its paper's topic: a model can only predict the topic by reading the paper. */
export function topicPairs(n: number, offset = 0): FixturePair[] {
  return Array.from({ length: n }, (_, k) => {
    const i = k + offset;
    const topic = TOPICS[i % TOPICS.length] as string;
    return {
      id: `p${i}`,
      supportingId: `s${i}`,
      prompt: `<|paper|>Title: Study ${i} of ${topic}\nAbstract: We study ${topic} in setting ${i % 3}.<|idea|>`,
      target: `Title: Better ${topic}\nMethod: Extend ${topic} with a new loss.`,
    };
  });
}

/** A dataset folder as `data build` lays it out, with `train` and `val` topic pairs (no card: tests pass the folder). */
export function writeSftDataset(dir: string, o: { train: number; val: number }): string {
  mkdirSync(dir, { recursive: true });
  const jsonl = (rows: FixturePair[]) => rows.map((r) => JSON.stringify(r)).join("\n");
  writeFileSync(join(dir, "sft.train.jsonl"), jsonl(topicPairs(o.train)));
  writeFileSync(join(dir, "sft.val.jsonl"), jsonl(topicPairs(o.val, 100)));
  return dir;
}

/**
 * A random base model for SFT tests in the shipped models/ layout (model.gguf + tokenizer.json): a BPE with our
 * three control tokens trained on the topic pairs, a 2-layer d 32 llama with a 96-token context.
 */
export async function writeTinyBaseModel(modelDir: string): Promise<{ tokenizer: BpeTokenizer; modelDir: string }> {
  const texts = topicPairs(40).flatMap((r) => [r.prompt, r.target]);
  const tokenizer = await trainBpe({ texts, vocabSize: 320, specialTokens: ["<|paper|>", "<|idea|>", "<|end|>"] });
  mkdirSync(modelDir, { recursive: true });
  saveTokenizer(join(modelDir, "tokenizer.json"), tokenizer);
  const config = checkLlamaConfig({
    vocabSize: tokenizer.vocabSize,
    dModel: 32,
    nLayers: 2,
    nHeads: 2,
    nKvHeads: 1,
    dFf: 64,
    contextLength: 96,
    ropeTheta: 10_000,
    normEps: 1e-5,
    tiedEmbeddings: true,
  });
  const llama = createLlama(config, { seed: 5 });
  writeLlamaGguf(join(modelDir, "model.gguf"), {
    config,
    weights: llamaWeights(llama),
    tokenizer: tokenizer.toGgufTokenizer(),
    fileType: "F32",
  });
  return { tokenizer, modelDir };
}

/** A paper and an idea in the section-1 layout, for tests of generation and the idea history. */
export const SAMPLE_PAPER = {
  title: "Sparse attention for long documents",
  abstract: "We make attention sparse so long documents fit.",
};
export const SAMPLE_IDEA_TEXT = [
  "Title: Learned sparsity patterns",
  "Method: Learn which blocks to attend to with a small router.",
  "Experiment Plan:",
  "- Dataset Preparation: Long-document QA sets.",
  "- Baseline Implementation: Fixed sparse patterns.",
  "- Evaluation Procedure: Accuracy and speed.",
].join("\n");
