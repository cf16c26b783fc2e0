import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import chromium from "@sparticuz/chromium";
import { type Browser, chromium as playwright } from "playwright-core";

/** Where browser tests leave their screenshots (IDEASTEER_TEST_ARTIFACTS, default <repo>/test-artifacts). */
export function artifactsDir(name: string): string {
  const root = process.env.IDEASTEER_TEST_ARTIFACTS ?? fileURLToPath(new URL("../../test-artifacts", import.meta.url));
  const dir = join(root, name);
  mkdirSync(dir, { recursive: true });
  return dir;
}

/**
 * Headless Chromium from the @sparticuz/chromium npm package (the browser ships inside it, so `npm ci` installs it
 * and CI never skips a browser test), driven by playwright-core.
 */
export async function launchChromium(): Promise<Browser> {
  return playwright.launch({ executablePath: await chromium.executablePath(), args: chromium.args, headless: true });
}
