import { type SpawnSyncReturns, spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const MAIN = fileURLToPath(new URL("../cli/main.ts", import.meta.url));

/** `ideasteer --home <home> --log-level error <args>` in a child process, as a user runs it (tsx over src/). */
export const runCli = (home: string, args: string[]): SpawnSyncReturns<string> =>
  spawnSync(process.execPath, ["--import", "tsx", MAIN, "--home", home, "--log-level", "error", ...args], {
    encoding: "utf8",
  });
