import assert from "node:assert/strict";
import { existsSync, statSync } from "node:fs";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import type { Token } from "node-llama-cpp";
import { createLlama, loadLlamaWeights, loadTokenizer, readLlamaGguf } from "../engine/index.js";

// The models the project ships (DESIGN §4): the pretrained base (models/default, `train pretrain` + `train export`)
// and the SFT policy (models/policy, `train sft` + `train export`); see each folder's README.md.
for (const name of ["default", "policy"]) {
  const DIR = fileURLToPath(new URL(`../../models/${name}/`, import.meta.url));
  const GGUF = `${DIR}model.gguf`;
  const SKIP = existsSync(GGUF) ? false : `no ${name} model at ${GGUF}`;
  test(
    `the shipped ${name} model loads on its own, in the engine and in llama.cpp, and both decode alike`,
    { skip: SKIP },
    () => decodeAlike(DIR, GGUF),
  );
}

async function decodeAlike(DIR: string, GGUF: string): Promise<void> {
  assert.ok(statSync(GGUF).size <= 50 * 1024 * 1024, "at most 50 MB");
  const { config, weights, tokenizer: ggufTok } = readLlamaGguf(GGUF);
  const tok = loadTokenizer(`${DIR}tokenizer.json`);
  assert.equal(tok.vocabSize, config.vocabSize);
  assert.deepEqual(ggufTok.tokens, tok.toGgufTokenizer().tokens);
  const model = createLlama(config, { seed: 0 });
  loadLlamaWeights(model, weights);
  const prompt = [tok.tokenId("<|paper|>"), ...tok.encode("Title: Efficient")];
  const ours = model.generate(prompt, { maxTokens: 24, temperature: 0 });
  assert.ok(tok.decode(ours).length > 20);

  const { getLlama, LlamaLogLevel } = await import("node-llama-cpp");
  const llama = await getLlama({ gpu: false, build: "never", logLevel: LlamaLogLevel.error });
  const lm = await llama.loadModel({ modelPath: GGUF });
  const ctx = await lm.createContext({
    contextSize: config.contextLength,
    flashAttention: false,
    experimentalKvCacheKeyType: "F32",
    experimentalKvCacheValueType: "F32",
    threads: 1,
  });
  try {
    assert.deepEqual(
      lm.tokenize("Title: Efficient"),
      tok.encode("Title: Efficient"),
      "llama.cpp tokenizes like our tokenizer",
    );
    const theirs: number[] = [];
    for await (const t of ctx.getSequence().evaluate(prompt as Token[], { temperature: 0 })) {
      theirs.push(t);
      if (theirs.length >= ours.length) break;
    }
    assert.deepEqual(theirs, ours);
  } finally {
    await ctx.dispose();
    await lm.dispose();
  }
}
