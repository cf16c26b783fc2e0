import { closeSync, fsyncSync, openSync, renameSync, rmSync, writeSync } from "node:fs";
import { dirname } from "node:path";

/**
 * Write a file so that a reader (or a process killed mid-write) sees either the old content or
 * the new, never a mix: temp file in the same folder, fsync, rename, fsync the folder.
 */
export function writeFileAtomic(path: string, data: Uint8Array | string | (Uint8Array | string)[]): void {
  const tmp = `${path}.tmp-${process.pid}-${Date.now()}`;
  const parts = Array.isArray(data) ? data : [data];
  const fd = openSync(tmp, "w");
  try {
    for (const p of parts) {
      const buf = typeof p === "string" ? Buffer.from(p, "utf8") : p;
      if (!(buf instanceof Uint8Array)) throw new TypeError(`writeFileAtomic(${path}): parts must be strings or bytes`);
      let off = 0;
      while (off < buf.length) off += writeSync(fd, buf, off, buf.length - off);
    }
    fsyncSync(fd);
  } catch (e) {
    closeSync(fd);
    rmSync(tmp, { force: true });
    throw e;
  }
  closeSync(fd);
  renameSync(tmp, path);
  fsyncDir(dirname(path));
}

export function fsyncDir(dir: string): void {
  try {
    const fd = openSync(dir, "r");
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    // Some filesystems refuse fsync on a directory; the rename itself is still atomic there.
  }
}
