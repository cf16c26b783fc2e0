import { existsSync, mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { ingestFiles, PaperStore } from "../src/library/index.js";
import { SHARED_DATA } from "../src/testing/index.js";

/**
 * Builds the full library (all of papers.jsonl.gz, optimised) at `dbPath` unless one is there, so
 * that benches which query it can share one database; the build itself is not part of any timing.
 */
export async function ensureFullLibrary(dbPath: string): Promise<void> {
  if (existsSync(dbPath)) return;
  console.error(`building the full library at ${dbPath} (not timed) ...`);
  mkdirSync(dirname(dbPath), { recursive: true });
  const store = PaperStore.open(dbPath);
  await ingestFiles({ store, inputs: [join(SHARED_DATA, "papers.jsonl.gz")] });
  store.optimize();
  store.close();
}
