import { existsSync } from "node:fs";
import { join } from "node:path";
import { NotFoundError } from "../core/index.js";
import { readGguf } from "../engine/index.js";
import type { BackendOptions } from "./backend.js";
import { type LlamaBackend, openLlama } from "./llama/llama-backend.js";
import { SHIPPED_MODEL_PATH } from "./shipped-model.js";

/** Where `builtin` looks when llm.modelPath is empty: the user's home, then the models/ folder shipped in the package. */
export function builtinModelCandidates(home: string): string[] {
  return [join(home, "models", "default", "model.gguf"), SHIPPED_MODEL_PATH];
}

/**
 * Our engine's exported GGUF through the llama backend: llm.modelPath when set, otherwise the
 * default model (see builtinModelCandidates).
 */
export async function openBuiltin(o: BackendOptions): Promise<LlamaBackend> {
  const candidates = o.llm.modelPath ? [o.llm.modelPath] : builtinModelCandidates(o.home);
  const modelPath = candidates.find((p) => existsSync(p));
  if (modelPath === undefined) {
    throw new NotFoundError(
      "builtin model",
      candidates.join(" or "),
      "train and export a model (ideasteer train ...), or point llm.modelPath at a GGUF file",
    );
  }
  return openLlama({
    modelPath,
    threads: o.llm.threads,
    contextSize: contextFor(modelPath, o.llm.contextSize),
    kvCache: o.llm.kvCache,
    log: o.log,
    name: "builtin",
  });
}

/**
 * Our models never saw positions past their training context (RoPE without scaling), so a larger
 * window only invites llama.cpp's overflow warning and text the model cannot read: cap it there.
 */
function contextFor(modelPath: string, requested: number): number {
  const trained = readGguf(modelPath).metadata["llama.context_length"]?.value;
  return typeof trained === "number" || typeof trained === "bigint" ? Math.min(requested, Number(trained)) : requested;
}
