import { fileURLToPath } from "node:url";

/**
 * `../shared/data` beside the checkout: the project's real papers, reviews and citations (DESIGN §3),
 * the default of every data folder. This module sits two folders below the package root both as
 * src/config/*.ts (tsx, tests) and as dist/config/*.js (the installed CLI), so one relative URL
 * names the same folder from either.
 */
export function defaultSharedDataDir(): string {
  return fileURLToPath(new URL("../../../shared/data", import.meta.url));
}
