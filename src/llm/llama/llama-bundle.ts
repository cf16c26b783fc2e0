import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";

/** The git bundle of the pinned llama.cpp source that node-llama-cpp ships (headers, vocab files, test vectors). */
export const LLAMA_BUNDLE = new URL("../../../node_modules/node-llama-cpp/llama/gitRelease.bundle", import.meta.url)
  .pathname;

export type LlamaBundleExtraction = { ok: true } | { ok: false; why: string };

/**
 * Copies `paths` (repository paths such as include/llama.h) out of the llama.cpp bundle into `dir`,
 * each at the same relative path; returns why not when git or the bundle is missing (tests skip with
 * that message). A path the bundle lacks is an error: the pinned tag moved, or the caller is wrong.
 */
export function extractFromLlamaBundle(opts: { dir: string; paths: readonly string[] }): LlamaBundleExtraction {
  if (!existsSync(LLAMA_BUNDLE)) {
    return { ok: false, why: `llama.cpp source bundle not found at ${LLAMA_BUNDLE} (node-llama-cpp not installed?)` };
  }
  const git = join(opts.dir, "bundle.git");
  const run = (args: string[]) =>
    execFileSync("git", ["--git-dir", git, ...args], { maxBuffer: 1 << 30, stdio: "pipe" });
  try {
    execFileSync("git", ["init", "-q", "--bare", git], { stdio: "pipe" });
    run(["fetch", "-q", LLAMA_BUNDLE, "HEAD:refs/heads/pinned"]);
  } catch (e) {
    return { ok: false, why: `git could not read the llama.cpp bundle: ${(e as Error).message.split("\n")[0]}` };
  }
  for (const p of opts.paths) {
    let bytes: Buffer;
    try {
      bytes = run(["show", `pinned:${p}`]);
    } catch (e) {
      throw new Error(`${p} is not in the llama.cpp bundle: ${(e as Error).message.split("\n")[0]}`);
    }
    const out = join(opts.dir, p);
    mkdirSync(dirname(out), { recursive: true });
    writeFileSync(out, bytes);
  }
  return { ok: true };
}
