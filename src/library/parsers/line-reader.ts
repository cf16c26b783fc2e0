import { createReadStream } from "node:fs";
import { pipeline } from "node:stream";
import { createGunzip } from "node:zlib";
import { InputError } from "../../core/index.js";

/** One line of a text input, without its newline, with where it starts. */
export type Line = { text: string; line: number; byteOffset: number };
/** A line longer than the cap: reported, never buffered beyond the cap. */
export type OverlongLine = { tooLong: true; line: number; byteOffset: number; bytes: number };

export type LineReaderOptions = {
  file: string; // path or "-", named in errors
  stream?: NodeJS.ReadableStream; // read this instead of opening `file`
  maxLineBytes: number;
};

const NEWLINE = 0x0a;
const GZIP_MAGIC = [0x1f, 0x8b] as const;

/**
 * Reads a text file (plain or gzip, told apart by its magic bytes, not its name) line by line,
 * streaming: memory stays near one chunk plus the longest accepted line. Byte offsets count
 * decompressed bytes. A truncated or corrupt gzip throws an InputError after every complete line
 * before the damage has been yielded; the partial last line is never yielded.
 */
export async function* readLines(opts: LineReaderOptions): AsyncGenerator<Line | OverlongLine> {
  const { file, maxLineBytes } = opts;
  const raw = opts.stream ?? (file === "-" ? process.stdin : createReadStream(file, { highWaterMark: 1 << 20 }));
  let rawBytes = 0;
  let gzip = false;
  let source: AsyncIterable<Buffer> | null = null;
  const rawIter = (raw as AsyncIterable<Buffer>)[Symbol.asyncIterator]();

  let first: IteratorResult<Buffer>;
  try {
    first = await rawIter.next();
  } catch (e) {
    throw new InputError({ file }, `cannot read: ${(e as Error).message}`, { cause: e });
  }
  if (first.done) return;
  const head = toBuffer(first.value);
  rawBytes += head.length;
  gzip = head.length >= 2 && head[0] === GZIP_MAGIC[0] && head[1] === GZIP_MAGIC[1];
  async function* replay(): AsyncGenerator<Buffer> {
    yield head;
    for (;;) {
      const r = await rawIter.next();
      if (r.done) return;
      const b = toBuffer(r.value);
      rawBytes += b.length;
      yield b;
    }
  }
  if (gzip) {
    const gunzip = createGunzip({ chunkSize: 1 << 20 });
    // pipeline forwards read errors of the source into gunzip, so the loop below sees them.
    source = pipeline(replay(), gunzip, () => {}) as unknown as AsyncIterable<Buffer>;
  } else source = replay();

  let line = 1;
  let lineStart = 0; // byte offset of the current line's first byte
  let offset = 0; // byte offset of the current chunk's first byte
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let skipping = false; // inside an overlong line: drop bytes until the next newline

  try {
    for await (const chunkRaw of source) {
      const chunk = toBuffer(chunkRaw);
      let pos = 0;
      while (pos < chunk.length) {
        const nl = chunk.indexOf(NEWLINE, pos);
        const end = nl === -1 ? chunk.length : nl;
        if (skipping) {
          pendingBytes += end - pos;
        } else if (pendingBytes + (end - pos) > maxLineBytes) {
          skipping = true;
          pending = [];
          pendingBytes += end - pos;
        } else if (nl !== -1 && pendingBytes === 0) {
          // Fast path: the whole line sits in this chunk.
          const text = chunk.toString("utf8", pos, trimCr(chunk, pos, end));
          if (text.length > 0) yield { text, line, byteOffset: lineStart };
        } else {
          pending.push(chunk.subarray(pos, end));
          pendingBytes += end - pos;
        }
        if (nl === -1) break;
        if (skipping) {
          yield { tooLong: true, line, byteOffset: lineStart, bytes: pendingBytes };
          skipping = false;
        } else if (pending.length > 0) {
          const buf = Buffer.concat(pending);
          const text = buf.toString("utf8", 0, trimCr(buf, 0, buf.length));
          if (text.length > 0) yield { text, line, byteOffset: lineStart };
        }
        pending = [];
        pendingBytes = 0;
        pos = nl + 1;
        line++;
        lineStart = offset + pos;
      }
      offset += chunk.length;
    }
  } catch (e) {
    const what = gzip ? "truncated or corrupt gzip" : "read failed";
    throw new InputError(
      { file, line, byteOffset: offset },
      `${what} after ${rawBytes} bytes read (${offset} bytes decoded; records before line ${line} are complete): ${(e as Error).message}`,
      { cause: e, hint: gzip ? "the file is incomplete; download or copy it again" : undefined },
    );
  } finally {
    // Stopping early (strict mode, a consumer's break) must still release the file.
    await rawIter.return?.();
  }
  if (skipping) yield { tooLong: true, line, byteOffset: lineStart, bytes: pendingBytes };
  else if (pendingBytes > 0) {
    const buf = Buffer.concat(pending);
    const text = buf.toString("utf8", 0, trimCr(buf, 0, buf.length));
    if (text.length > 0) yield { text, line, byteOffset: lineStart };
  }
}

const toBuffer = (c: Buffer | string | Uint8Array): Buffer =>
  Buffer.isBuffer(c)
    ? c
    : typeof c === "string"
      ? Buffer.from(c, "utf8")
      : Buffer.from(c.buffer, c.byteOffset, c.length);

const trimCr = (buf: Buffer, start: number, end: number): number =>
  end > start && buf[end - 1] === 0x0d ? end - 1 : end;
