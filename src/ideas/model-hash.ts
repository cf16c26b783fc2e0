import { createHash } from "node:crypto";
import { closeSync, openSync, readSync, statSync } from "node:fs";

/**
 * A short content hash of a model file (the policy's GGUF, a reward model's JSON): what `generate --json`
 * reports under `models`, so an idea names the exact weights that made it. Reads in 4 MB chunks.
 */
export function modelHash(file: string): string {
  const h = createHash("sha256");
  const fd = openSync(file, "r");
  try {
    const buf = Buffer.alloc(4 * 1024 * 1024);
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
  return `sha256:${h.digest("hex").slice(0, 16)}`;
}
