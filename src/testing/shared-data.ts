import { existsSync } from "node:fs";
import { join } from "node:path";
import type { TestContext } from "node:test";
import { defaultSharedDataDir } from "../config/index.js";

/** ../shared/data beside the checkout (read-only; CI has it there too): the folder the CLI reads by default. */
export const SHARED_DATA = defaultSharedDataDir();
export const hasSharedData = (): boolean => existsSync(join(SHARED_DATA, "papers.jsonl.gz"));
export const sharedPath = (...parts: string[]): string => join(SHARED_DATA, ...parts);

/** Skips the test with a clear message when ../shared/data is absent; returns true when present. */
export function requireSharedData(t: TestContext): boolean {
  if (hasSharedData()) return true;
  t.skip(`../shared/data not found at ${SHARED_DATA}; this test reads the project's shared real data`);
  return false;
}
