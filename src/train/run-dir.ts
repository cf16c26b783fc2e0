import { mkdirSync } from "node:fs";
import { join } from "node:path";

/** runs/<stage>-<yyyymmdd-hhmmss>/ (UTC) under the given root; a suffix keeps two runs in one second apart. */
export function createRunDir(root: string, stage: string, now: Date = new Date()): string {
  const p = (n: number) => String(n).padStart(2, "0");
  const stamp = `${now.getUTCFullYear()}${p(now.getUTCMonth() + 1)}${p(now.getUTCDate())}-${p(now.getUTCHours())}${p(now.getUTCMinutes())}${p(now.getUTCSeconds())}`;
  mkdirSync(root, { recursive: true });
  for (let i = 0; ; i++) {
    const dir = join(root, `${stage}-${stamp}${i === 0 ? "" : `-${i}`}`);
    try {
      mkdirSync(dir);
      return dir;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
    }
  }
}
