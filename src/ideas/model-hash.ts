import { createHash } from "node:crypto";
import { closeSync, openSync, readSync, statSync } from "node:fs";

/**
 * A short content hash of a model file (the policy's GGUF, a reward model's JSON), or of several files read one
 * after the other (a set of controllers): what `generate --json` reports under `models`, so an idea names the exact
 * weights that made it. Reads in 4 MB chunks.
 */
export function modelHash(files: string | readonly string[]): string {
  const h = createHash("sha256");
  const buf = Buffer.alloc(4 * 1024 * 1024);
  for (const file of typeof files === "string" ? [files] : files) {
    const fd = openSync(file, "r");
    try {
      const size = statSync(file).size;
      for (let at = 0; at < size; ) {
        const n = readSync(fd, buf, 0, buf.length, at);
        if (n <= 0) break;
        h.update(buf.subarray(0, n));
        at += n;
      }
    } finally {
      closeSync(fd);
    }
  }
  return `sha256:${h.digest("hex").slice(0, 16)}`;
}
