import { existsSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { ConfigError } from "../core/index.js";
import { type LlamaConfig, readLlamaGguf } from "../engine/index.js";
import { SHIPPED_MODEL_PATH } from "../llm/index.js";
import { loadCheckpoint } from "./checkpoint.js";

/** A model to start a stage from: its shape, its weights (GGUF names) and the tokenizer file it reads. */
export type BaseModel = { llamaConfig: LlamaConfig; weights: Map<string, Float32Array>; tokenizerPath: string };

/**
 * Loads what `--init` names: a checkpoint folder, a run folder (its newest checkpoint), a GGUF file with
 * tokenizer.json beside it, or a folder holding model.gguf and tokenizer.json (the shipped models/ layout).
 * Empty: the shipped default model.
 */
export function loadBaseModel(path: string): BaseModel {
  const p = path === "" ? SHIPPED_MODEL_PATH : path;
  if (!existsSync(p))
    throw new ConfigError(`base model ${p} does not exist`, "pass --init <checkpoint|run|model.gguf>");
  if (statSync(p).isDirectory() && !existsSync(join(p, "model.gguf"))) {
    const ck = loadCheckpoint(p);
    return {
      llamaConfig: ck.llamaConfig,
      weights: new Map([...ck.weights].map(([k, t]) => [k, t.data])),
      tokenizerPath: ck.tokenizerPath,
    };
  }
  const gguf = statSync(p).isDirectory() ? join(p, "model.gguf") : p;
  const tokenizerPath = join(dirname(gguf), "tokenizer.json");
  if (!existsSync(tokenizerPath))
    throw new ConfigError(
      `${gguf} has no tokenizer.json beside it`,
      "the engine reads ideasteer's BPE tokenizer file; use a model folder written by `train export`",
    );
  const m = readLlamaGguf(gguf);
  return { llamaConfig: m.config, weights: m.weights, tokenizerPath };
}
