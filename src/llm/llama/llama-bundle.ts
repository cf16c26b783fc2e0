import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";

/** The git bundle of the pinned llama.cpp source that node-llama-cpp ships (headers, vocab files, test vectors). */
export const LLAMA_BUNDLE = new URL("../../../node_modules/node-llama-cpp/llama/gitRelease.bundle", import.meta.url)
  .pathname;

/**
 * Copies `paths` (repository paths such as include/llama.h) out of the llama.cpp bundle into
 * `dir`; returns why not when git or the bundle is missing (tests skip with that message).
 */
export function extractFromLlamaBundle(
  dir: string,
  paths: readonly string[],
): { ok: true } | { ok: false; why: string } {
  if (!existsSync(LLAMA_BUNDLE)) return { ok: false, why: `llama.cpp source bundle not found at ${LLAMA_BUNDLE}` };
  const git = join(dir, "bundle.git");
  const run = (args: string[]) => execFileSync("git", ["--git-dir", git, ...args], { maxBuffer: 1 << 28 });
  try {
    execFileSync("git", ["init", "-q", "--bare", git]);
    run(["fetch", "-q", LLAMA_BUNDLE, "HEAD:refs/heads/pinned"]);
  } catch (e) {
    return { ok: false, why: `git could not read the llama.cpp bundle: ${(e as Error).message.split("\n")[0]}` };
  }
  for (const p of paths) {
    const out = join(dir, p);
    mkdirSync(dirname(out), { recursive: true });
    writeFileSync(out, run(["show", `pinned:${p}`]));
  }
  return { ok: true };
}
