import { mkdirSync } from "node:fs";
import { join } from "node:path";
import {
  checkLlamaConfig,
  clipGradNorm,
  createAdamW,
  createLlama,
  llamaWeights,
  saveTokenizer,
  trainBpe,
  writeLlamaGguf,
} from "../engine/index.js";
import { DIMENSIONS } from "../idea/index.js";
import { writeControlVectorGguf } from "../steer/index.js";

/**
 * A tiny policy that has learnt one answer: `<|paper|>Title: …\nAbstract: …<|idea|>` followed by `idea` and
 * `<|end|>`, trained by the engine in about a second and written as GGUF + tokenizer.json. llama.cpp then
 * writes `idea` back for that paper: a real model for tests of generation, with a known output.
 */
export async function writeTinyPolicy(
  dir: string,
  o: { title: string; abstract: string; idea: string; steps?: number },
): Promise<string> {
  const paperText = `Title: ${o.title}\nAbstract: ${o.abstract}`;
  const tok = await trainBpe({
    texts: [paperText, o.idea, paperText, o.idea],
    vocabSize: 300,
    specialTokens: ["<|paper|>", "<|idea|>", "<|end|>"],
    minFrequency: 1,
  });
  const seq = [
    tok.tokenId("<|paper|>"),
    ...tok.encode(paperText),
    tok.tokenId("<|idea|>"),
    ...tok.encode(o.idea),
    tok.tokenId("<|end|>"),
  ];
  const T = seq.length - 1;
  const config = checkLlamaConfig({
    vocabSize: tok.vocabSize,
    dModel: 32,
    nLayers: 2,
    nHeads: 2,
    nKvHeads: 2,
    dFf: 64,
    contextLength: Math.max(64, 2 ** Math.ceil(Math.log2(seq.length + 8))),
    ropeTheta: 10_000,
    normEps: 1e-5,
    tiedEmbeddings: true,
  });
  const model = createLlama(config, { seed: 1 });
  const opt = createAdamW(model.params, { lr: 1e-2, beta1: 0.9, beta2: 0.99, eps: 1e-8, weightDecay: 0 });
  const tokens = Int32Array.from(seq.slice(0, T));
  const targets = Int32Array.from(seq.slice(1));
  const steps = o.steps ?? 200;
  for (let step = 0; step < steps; step++) {
    model.lossAndGrad({ tokens, targets, B: 1, T }, { gradScale: 1 / T });
    clipGradNorm(model.params, 1);
    opt.step(1e-2 * (1 - step / steps));
    model.zeroGrad();
  }
  mkdirSync(dir, { recursive: true });
  saveTokenizer(join(dir, "tokenizer.json"), tok);
  const modelPath = join(dir, "model.gguf");
  writeLlamaGguf(modelPath, {
    config,
    weights: llamaWeights(model),
    tokenizer: tok.toGgufTokenizer(),
    fileType: "F32",
  });
  return modelPath;
}

/**
 * Mild controllers beside a tiny policy, as `train rl` writes them (`controllers/<dimension>.gguf`): one direction
 * per dimension on layer 1, small enough that the policy still writes its idea.
 */
export function writeTinyControllers(policyDir: string, o: { dModel?: number; scale?: number } = {}): void {
  const dir = join(policyDir, "controllers");
  mkdirSync(dir, { recursive: true });
  for (const [k, d] of DIMENSIONS.entries()) {
    const v = Float32Array.from({ length: o.dModel ?? 32 }, (_, j) => Math.sin(j * (k + 2)) * (o.scale ?? 0.3));
    writeControlVectorGguf(join(dir, `${d}.gguf`), [undefined, v], { modelHint: "test" });
  }
}
