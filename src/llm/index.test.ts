import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { Config } from "../config/index.js";
import { ConfigError, NotFoundError } from "../core/index.js";
import { tempDir, tinyLlamaConfig, writeRandomLlamaModel } from "../testing/index.js";
import { builtinModelCandidates } from "./builtin.js";
import { isLocalModel, openBackend } from "./index.js";

const TINY = tinyLlamaConfig({ nHeads: 2, nKvHeads: 2, dFf: 32, contextLength: 128, tiedEmbeddings: true });

test("openBackend opens llama and builtin from config, builtin from <home>/models/default", async (t) => {
  const home = tempDir(t);
  mkdirSync(join(home, "models", "default"), { recursive: true });
  const path = join(home, "models", "default", "model.gguf");
  writeRandomLlamaModel(path, { config: TINY, seed: 1 });
  const base = Config.parse({}).llm;

  const builtin = await openBackend("builtin", { llm: { ...base, contextSize: 128 }, home });
  try {
    assert.equal(builtin.name, "builtin:model.gguf");
    assert.ok(isLocalModel(builtin));
    assert.equal((await builtin.complete("a", { maxTokens: 3 })).usage.completionTokens, 3);
  } finally {
    await builtin.close();
  }
  const llama = await openBackend("llama", { llm: { ...base, modelPath: path, contextSize: 128 }, home });
  try {
    assert.equal(llama.name, "llama:model.gguf");
    assert.ok(llama.capabilities.steering);
  } finally {
    await llama.close();
  }
});

test("openBackend explains a missing model", async (t) => {
  const home = tempDir(t);
  const llm = Config.parse({}).llm;
  const missing = join(home, "nowhere.gguf");
  await assert.rejects(openBackend("builtin", { llm: { ...llm, modelPath: missing }, home }), (e: unknown) => {
    assert.ok(e instanceof NotFoundError);
    assert.match(e.message, /nowhere\.gguf/);
    assert.match(String(e.hint), /llm\.modelPath/);
    return true;
  });
  await assert.rejects(openBackend("llama", { llm, home }), ConfigError);
});

test("builtin looks in <home>/models/default before the model shipped in the package", () => {
  const [first, second] = builtinModelCandidates("/h");
  assert.equal(first, "/h/models/default/model.gguf");
  assert.match(second, /\/models\/default\/model\.gguf$/);
  assert.notEqual(second, first);
});
