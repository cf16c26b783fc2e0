import { spawnSync } from "node:child_process";
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { TestContext } from "node:test";
import { tempDir } from "./temp-dir.js";

/** node-llama-cpp ships the full llama.cpp source at its pinned tag as a git bundle. */
export const LLAMA_CPP_BUNDLE = new URL("../../node_modules/node-llama-cpp/llama/gitRelease.bundle", import.meta.url)
  .pathname;

/**
 * Extract files (e.g. "models/ggml-vocab-qwen2.gguf") from the llama.cpp bundle into a temp folder
 * removed after the test; returns their paths, or undefined after skipping the test with the reason
 * when git or the bundle is missing.
 */
export function extractLlamaCppFiles(t: TestContext, files: string[]): string[] | undefined {
  if (!existsSync(LLAMA_CPP_BUNDLE)) {
    t.skip(`llama.cpp source bundle not found at ${LLAMA_CPP_BUNDLE} (node-llama-cpp not installed?)`);
    return undefined;
  }
  const dir = tempDir(t, "ideasteer-llama-cpp-");
  const repo = join(dir, "repo");
  const clone = spawnSync("git", ["clone", "--quiet", "--no-checkout", LLAMA_CPP_BUNDLE, repo], { encoding: "utf8" });
  if (clone.error || clone.status !== 0) {
    t.skip(`cannot read the llama.cpp bundle with git: ${clone.error?.message ?? clone.stderr}`);
    return undefined;
  }
  return files.map((f) => {
    const show = spawnSync("git", ["-C", repo, "show", `HEAD:${f}`], { maxBuffer: 1 << 30 });
    if (show.status !== 0) throw new Error(`${f} is not in the llama.cpp bundle: ${show.stderr.toString()}`);
    const out = join(dir, f.replaceAll("/", "_"));
    writeFileSync(out, show.stdout);
    return out;
  });
}
