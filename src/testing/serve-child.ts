import { type ChildProcess, spawn } from "node:child_process";
import type { TestContext } from "node:test";
import { fileURLToPath } from "node:url";

const MAIN = fileURLToPath(new URL("../cli/main.ts", import.meta.url));

export type ServeChild = { child: ChildProcess; url: string; stdout: string; stderr: () => string };

/** `ideasteer serve <args> --port 0` in a child process; resolves once it prints where it listens (`url`: .../v1). */
export async function startServeChild(t: TestContext, home: string, args: string[]): Promise<ServeChild> {
  const child = spawn(
    process.execPath,
    ["--import", "tsx", MAIN, "--home", home, "--log-level", "warn", "serve", ...args, "--port", "0"],
    { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, NODE_NO_WARNINGS: "1" } },
  );
  t.after(() => child.kill("SIGKILL"));
  let stdout = "";
  let stderr = "";
  child.stderr?.on("data", (b: Buffer) => {
    stderr += b.toString();
  });
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout?.on("data", (b: Buffer) => {
      stdout += b.toString();
      const m = /at (http:\/\/\S+\/v1)[,\n]/.exec(stdout);
      if (m) resolve(m[1] as string);
    });
    child.once("exit", (code) => reject(new Error(`serve exited with ${code}: ${stderr}`)));
  });
  return { child, url, stdout, stderr: () => stderr };
}
