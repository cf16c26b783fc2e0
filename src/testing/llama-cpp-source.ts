import { join } from "node:path";
import type { TestContext } from "node:test";
import { extractFromLlamaBundle } from "../llm/index.js";
import { tempDir } from "./temp-dir.js";

/**
 * Extracts files (e.g. "models/ggml-vocab-qwen2.gguf") from the llama.cpp bundle into a temp folder
 * removed after the test; returns their paths, or undefined after skipping the test with the reason
 * when git or the bundle is missing.
 */
export function extractLlamaCppFiles(t: TestContext, files: string[]): string[] | undefined {
  const dir = tempDir(t, "ideasteer-llama-cpp-");
  const got = extractFromLlamaBundle({ dir, paths: files });
  if (!got.ok) {
    t.skip(got.why);
    return undefined;
  }
  return files.map((f) => join(dir, f));
}
