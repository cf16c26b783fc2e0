import { closeSync, fsyncSync, openSync, renameSync, rmSync, writeSync } from "node:fs";
import { dirname } from "node:path";

/**
 * Write a file so that a reader (or a process killed mid-write) sees either the old content or
 * the new, never a mix: temp file in the same folder, fsync, rename, fsync the folder.
 */
export function writeFileAtomic(path: string, data: Uint8Array | string | (Uint8Array | string)[]): void {
  const parts = Array.isArray(data) ? data : [data];
  writeFileAtomicStreaming(path, (write) => {
    for (const p of parts) {
      const buf = typeof p === "string" ? Buffer.from(p, "utf8") : p;
      if (!(buf instanceof Uint8Array)) throw new TypeError(`writeFileAtomic(${path}): parts must be strings or bytes`);
      write(buf);
    }
  });
}

/**
 * writeFileAtomic for content produced piece by piece (a model's tensors, one at a time), so the
 * whole file never sits in memory: `fill` calls `write` with each part in order. If `fill` throws,
 * the temp file is removed and `path` is left as it was.
 * @example writeFileAtomicStreaming(path, (write) => { write(header); for (const t of tensors) write(t.bytes); })
 */
export function writeFileAtomicStreaming(path: string, fill: (write: (bytes: Uint8Array) => void) => void): void {
  const tmp = `${path}.tmp-${process.pid}-${Date.now()}`;
  const fd = openSync(tmp, "w");
  let open = true;
  try {
    fill((b) => {
      let off = 0;
      while (off < b.length) off += writeSync(fd, b, off, b.length - off);
    });
    fsyncSync(fd);
    open = false;
    closeSync(fd);
  } catch (e) {
    if (open) closeSync(fd);
    rmSync(tmp, { force: true });
    throw e;
  }
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
