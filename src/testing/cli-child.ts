import { type ChildProcess, spawn } from "node:child_process";
import type { TestContext } from "node:test";
import { fileURLToPath } from "node:url";

const MAIN = fileURLToPath(new URL("../cli/main.ts", import.meta.url));

export type CliResult = { code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string };
export type CliChild = { child: ChildProcess; done: Promise<CliResult> };

/**
 * `ideasteer --home <home> --log-level error <args>` in a child process, without blocking this one (runCli's
 * spawnSync would stop a server the command talks to, such as an SMTP sink in the test). `env` adds variables.
 */
export function startCli(t: TestContext, home: string, args: string[], env: NodeJS.ProcessEnv = {}): CliChild {
  const child = spawn(process.execPath, ["--import", "tsx", MAIN, "--home", home, "--log-level", "error", ...args], {
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, NODE_NO_WARNINGS: "1", ...env },
  });
  t.after(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  });
  let stdout = "";
  let stderr = "";
  child.stdout?.on("data", (b: Buffer) => {
    stdout += b.toString();
  });
  child.stderr?.on("data", (b: Buffer) => {
    stderr += b.toString();
  });
  const done = new Promise<CliResult>((resolve) =>
    child.once("close", (code, signal) => resolve({ code, signal, stdout, stderr })),
  );
  return { child, done };
}

/** startCli, awaited. */
export const runCliAsync = (t: TestContext, home: string, args: string[], env?: NodeJS.ProcessEnv) =>
  startCli(t, home, args, env).done;
