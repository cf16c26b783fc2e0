import { spawn } from "node:child_process";
import { existsSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));

export type PretrainChild = { runDir: string; code: number | null; signal: NodeJS.Signals | null; stderr: string };

/**
 * Runs `ideasteer train pretrain --preset tiny` (the CLI, in a child process) with `overrides` as its
 * train config, and sends `signal` as soon as a run folder under <home>/runs (other than `skipRun`)
 * holds a complete checkpoint: a real kill or Ctrl-C in the middle of a real run.
 */
export async function interruptPretrain(o: {
  home: string;
  overrides: Record<string, unknown>;
  signal: NodeJS.Signals;
  skipRun?: string;
}): Promise<PretrainChild> {
  const cfgFile = join(o.home, "tiny.json");
  writeFileSync(cfgFile, JSON.stringify(o.overrides));
  const cli = ["--import", "tsx", join(ROOT, "src/cli/main.ts"), "--home", o.home, "--log-level", "warn"];
  const args = ["train", "pretrain", "--preset", "tiny", "--train-config", cfgFile, "--no-progress"];
  const child = spawn(process.execPath, [...cli, ...args], { cwd: ROOT, stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  child.stderr.on("data", (d) => {
    stderr += d;
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((res) =>
    child.on("exit", (code, signal) => res({ code, signal })),
  );
  const runs = join(o.home, "runs");
  let runDir = "";
  const poll = setInterval(() => {
    if (runDir || !existsSync(runs)) return;
    for (const r of readdirSync(runs)) {
      const ck = join(runs, r, "checkpoints");
      if (join(runs, r) === o.skipRun || !existsSync(ck)) continue;
      if (readdirSync(ck).some((n) => existsSync(join(ck, n, "checkpoint.json")))) {
        runDir = join(runs, r);
        child.kill(o.signal);
      }
    }
  }, 2);
  const end = await exited;
  clearInterval(poll);
  return { runDir, ...end, stderr };
}
