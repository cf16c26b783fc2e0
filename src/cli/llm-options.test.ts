import assert from "node:assert/strict";
import { test } from "node:test";
import { Command } from "commander";
import { tempDir } from "../testing/index.js";
import { contextFor } from "./context.js";
import { addLlmOptions, type LlmFlags, llmFlagValues } from "./llm-options.js";

/** Parses argv through a command carrying the LLM flags and returns the resolved llm config. */
function llmConfigFor(home: string, argv: string[]) {
  let seen: ReturnType<typeof contextFor> | undefined;
  const program = new Command("ideasteer").option("--home <dir>").exitOverride();
  addLlmOptions(program.command("probe")).action((flags: LlmFlags, cmd: Command) => {
    seen = contextFor(cmd, llmFlagValues(flags));
  });
  program.parse(["node", "ideasteer", "--home", home, "probe", ...argv]);
  assert.ok(seen, "the action ran");
  return seen.config.llm;
}

test("LLM flags land on their llm.* config fields, over the defaults", (t) => {
  const home = tempDir(t);
  const llm = llmConfigFor(home, [
    ...["--backend", "llama", "--model-path", "/m/model.gguf", "--threads", "3"],
    ...["--context-size", "512", "--kv-cache", "f16", "--concurrency", "5"],
  ]);
  assert.equal(llm.backend, "llama");
  assert.equal(llm.modelPath, "/m/model.gguf");
  assert.equal(llm.threads, 3);
  assert.equal(llm.contextSize, 512);
  assert.equal(llm.kvCache, "f16");
  assert.equal(llm.concurrency, 5);
  const defaults = llmConfigFor(home, []);
  assert.equal(defaults.backend, "builtin");
  assert.equal(defaults.kvCache, "f32");
});

test("a bad LLM flag value is refused", (t) => {
  const home = tempDir(t);
  assert.throws(() => llmConfigFor(home, ["--kv-cache", "q4"]), /llm\.kvCache/);
  assert.throws(() => llmConfigFor(home, ["--threads", "two"]), /--threads must be a non-negative integer/);
});
