import { createReadStream, type ReadStream, realpathSync, statSync } from "node:fs";
import { basename } from "node:path";
import { Readable } from "node:stream";
import { LibraryConfig } from "../config/index.js";
import { createProgress, formatLocation, InputError, type Logger, type Progress, silentLogger } from "../core/index.js";
import { capFields, DEFAULT_FIELD_LIMITS, describeOverflows, type FieldLimits } from "./cap-fields.js";
import { formatFromName, type InputFormat, sniffFormat } from "./detect-format.js";
import { expandInputs, type InputProblem } from "./expand-inputs.js";
import type { Paper } from "./paper.js";
import { PARSERS, type ParserTable } from "./parser-table.js";
import { DEFAULT_LISTING_OPTIONS } from "./parsers/listing.js";
import type { ParsedItem } from "./parsers/parsed-item.js";
import type { IngestCheckpoint, PaperStore } from "./store/paper-store.js";

const PROGRESS_MIN_BYTES = 4 << 20;
const DEFAULT_MAX_FILE_BYTES = LibraryConfig.parse({}).maxFileBytes;

// What a file of each format must hold, said when one gives no paper at all.
const HOW_TO_FIX: Record<InputFormat, string> = {
  jsonl: "",
  listing: `: a listing is a title line, a blank line and an abstract line of at least ${DEFAULT_LISTING_OPTIONS.minAbstractWords} words, repeated; use --format if it is another format`,
  atom: ": expected <entry> elements in an Atom feed",
  bibtex: ": expected @article{...} style entries",
  markdown: "",
  pdf: "",
};

export type IngestOptions = {
  store: PaperStore;
  inputs: string[]; // files, directories (read recursively) or "-" for stdin; a missing one is reported, the rest read
  followLinks?: boolean; // directories: follow symbolic links that lead out of the tree too (default: only inside it)
  maxFileBytes?: number; // larger files are refused (config library.maxFileBytes); no file is read past its size
  parsers?: ParserTable; // default: the built-in parser of each format
  strict?: boolean; // stop at the first bad record instead of skipping it
  format?: InputFormat; // force one format for every input instead of detecting it
  batchSize?: number; // papers per transaction (config library.batchSize)
  maxLineBytes?: number; // config library.maxLineBytes
  fieldLimits?: FieldLimits; // caps on title, abstract and section lengths (config library.*Chars, oversize)
  force?: boolean; // re-read files already ingested completely
  progress?: boolean; // a progress bar on stderr
  progressStream?: NodeJS.WriteStream;
  log?: Logger;
  maxErrorsLogged?: number; // per file; the rest are counted only
};

export type FileReport = {
  file: string;
  format: InputFormat | null;
  records: number; // items read in this run (papers + bad records), resumed ones not counted
  inserted: number;
  updated: number;
  unchanged: number;
  skipped: number; // bad records (this run, or the earlier complete run when alreadyDone)
  truncated: number; // papers kept with a field cut to its limit (oversize "truncate")
  resumedFrom: number; // records already committed by an earlier, interrupted run
  alreadyDone: boolean; // an earlier run ingested this exact file completely; nothing was read
  error: string | null; // why the file stopped early or was not read (truncated gzip, missing, not a regular file)
  warning: string | null; // no papers in it, or a directory walk passed it by (a link out of the tree)
  empty: boolean; // read completely, and it held no paper (or a directory held nothing to read)
};

export type IngestReport = {
  files: FileReport[];
  inserted: number;
  updated: number;
  unchanged: number;
  skipped: number;
  truncated: number;
  failedFiles: number;
  emptyFiles: number; // inputs that gave no paper at all: a quiet zero-paper run is an error to the CLI
  elapsedMs: number;
};

/** Thrown under --strict at the first bad record, after everything before it was committed. */
export class StrictIngestError extends InputError {
  readonly report: IngestReport;
  constructor(cause: InputError, report: IngestReport) {
    super(cause.location, cause.message.slice(cause.message.indexOf(": ") + 2), {
      cause,
      hint: "fix the record, or run without --strict to skip bad records",
    });
    this.report = report;
  }
}

/**
 * Reads papers from files, directories or stdin into the store. Commits in batches, each batch in
 * one transaction together with the file's checkpoint, so a killed process leaves a consistent
 * library and the same command resumes after the last committed batch without duplicates.
 * Bad records are skipped and counted (or, with `strict`, stop the run).
 *
 * @example
 * const report = await ingestFiles({ store, inputs: ["../shared/data/papers.jsonl.gz"] });
 * // report.inserted === 110484 on a fresh library; a second run reports alreadyDone for the file
 */
export async function ingestFiles(opts: IngestOptions): Promise<IngestReport> {
  const log = opts.log ?? silentLogger;
  const t0 = performance.now();
  const report: IngestReport = {
    files: [],
    inserted: 0,
    updated: 0,
    unchanged: 0,
    skipped: 0,
    truncated: 0,
    failedFiles: 0,
    emptyFiles: 0,
    elapsedMs: 0,
  };
  const inputs = expandInputs(opts.inputs, {
    anyName: opts.format !== undefined,
    followLinks: opts.followLinks ?? false,
  });
  const missing = inputs.find((x) => x.problem?.severity === "error");
  if (opts.strict && missing?.problem) throw new InputError({ file: missing.file }, missing.problem.message);
  for (const { file, problem } of inputs) {
    const fr = problem ? unreadFile(file, problem, log) : await ingestOne(file, opts, log, report);
    report.files.push(fr);
    report.inserted += fr.inserted;
    report.updated += fr.updated;
    report.unchanged += fr.unchanged;
    report.skipped += fr.skipped;
    report.truncated += fr.truncated;
    if (fr.error !== null) report.failedFiles++;
    if (fr.empty) report.emptyFiles++;
  }
  report.elapsedMs = performance.now() - t0;
  return report;
}

/** The report of an input that is not read, with the reason logged. */
function unreadFile(file: string, problem: InputProblem, log: Logger): FileReport {
  const fr = emptyReport(file);
  if (problem.severity === "error") {
    fr.error = `${file}: ${problem.message}`;
    log.error(fr.error);
  } else {
    fr.warning = problem.message;
    fr.empty = problem.nothingToRead ?? false;
    log.warn(`${file}: ${problem.message}`);
  }
  return fr;
}

const emptyReport = (file: string): FileReport => ({
  file,
  format: null,
  records: 0,
  inserted: 0,
  updated: 0,
  unchanged: 0,
  skipped: 0,
  truncated: 0,
  resumedFrom: 0,
  alreadyDone: false,
  error: null,
  warning: null,
  empty: false,
});

async function ingestOne(file: string, opts: IngestOptions, log: Logger, total: IngestReport): Promise<FileReport> {
  const store = opts.store;
  const batchSize = opts.batchSize ?? 2000;
  const maxErrorsLogged = opts.maxErrorsLogged ?? 20;
  const limits = opts.fieldLimits ?? DEFAULT_FIELD_LIMITS;
  const fr = emptyReport(file);
  const isStdin = file === "-";
  const size = isStdin ? 0 : statSync(file).size;
  const maxFileBytes = opts.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES;
  if (size > maxFileBytes) {
    const err = new InputError({ file }, `the file is ${size} bytes, over the ${maxFileBytes}-byte limit; not read`, {
      hint: "raise library.maxFileBytes, or split the file",
    });
    fr.error = err.message;
    if (opts.strict) throw new StrictIngestError(err, { ...total, files: [...total.files, fr] });
    log.error(err.message);
    return fr;
  }
  // Never past the size stat saw: a file that grows while it is read (or lies about its size) ends there.
  const raw: NodeJS.ReadableStream = isStdin
    ? process.stdin
    : size === 0
      ? Readable.from([])
      : createReadStream(file, { highWaterMark: 1 << 20, start: 0, end: size - 1 });
  const { format, stream } = await resolveFormat(file, raw, opts.format);
  fr.format = format;
  // Stdin has no identity to resume by; a file is known by its real path, size and mtime.
  const fileKey = isStdin ? null : inputFileKey(file, format);
  const prior = fileKey ? store.getIngestCheckpoint(fileKey) : null;
  if (prior?.completed && !opts.force) {
    destroy(raw);
    fr.alreadyDone = true;
    fr.skipped = prior.skipped;
    log.info("already ingested; skipping (use --force to read it again)", { file, records: prior.recordsDone });
    return fr;
  }
  const resumeFrom = prior && !opts.force ? prior.recordsDone : 0;
  let skippedTotal = prior && !opts.force ? prior.skipped : 0;
  fr.resumedFrom = resumeFrom;
  if (resumeFrom > 0) log.info("resuming an interrupted ingest", { file, recordsDone: resumeFrom });

  const progress: Progress = createProgress({
    label: basename(file),
    total: size > 0 ? size : undefined,
    unit: size > 0 ? "B" : "records",
    // Small files finish before a bar is worth drawing; a directory of them would print a line each.
    enabled: (opts.progress ?? false) && (isStdin || size >= PROGRESS_MIN_BYTES),
    stream: opts.progressStream,
    extra: () => `${fr.inserted + fr.updated} papers${fr.skipped ? `, ${fr.skipped} skipped` : ""}`,
  });
  const readBytes = () => (isStdin ? undefined : (raw as Partial<ReadStream>).bytesRead);
  let batch: Paper[] = [];
  let index = 0; // items seen in this file, resumed ones included
  const checkpoint = (completed: boolean): IngestCheckpoint | undefined =>
    fileKey ? { fileKey, path: file, recordsDone: index, skipped: skippedTotal, completed } : undefined;
  const flush = (completed: boolean) => {
    if (batch.length === 0) {
      if (completed && fileKey) store.saveIngestCheckpoint(checkpoint(true) as IngestCheckpoint);
      return;
    }
    const r = store.upsert(batch, { checkpoint: checkpoint(completed) });
    fr.inserted += r.inserted;
    fr.updated += r.updated;
    fr.unchanged += r.unchanged;
    batch = [];
  };

  try {
    const parser = await (opts.parsers ?? PARSERS)[format]();
    for await (const parsed of parser({ file, stream, maxLineBytes: opts.maxLineBytes })) {
      index++;
      if (index <= resumeFrom) continue;
      fr.records++;
      const item = capItem(parsed, limits);
      if (item.kind === "paper") {
        if (item.overflow) {
          fr.truncated++;
          if (fr.truncated <= maxErrorsLogged) log.warn(`truncated: ${item.overflow}`);
        }
        batch.push(item.paper);
        if (batch.length >= batchSize) flush(false);
      } else {
        if (opts.strict) {
          // Commit what came before the bad record; the checkpoint stops just before it.
          index--;
          flush(false);
          fr.skipped++;
          throw new StrictIngestError(item.error, { ...total, files: [...total.files, fr] });
        }
        fr.skipped++;
        skippedTotal++;
        if (fr.skipped <= maxErrorsLogged) log.warn(`skipped: ${item.error.message}`);
        else if (fr.skipped === maxErrorsLogged + 1)
          log.warn("more bad records in this file; counting them only", { file });
      }
      if ((index & 255) === 0) progress.set(readBytes() ?? index);
    }
    flush(true);
    if (fr.records === 0 && resumeFrom === 0) {
      fr.empty = true;
      fr.warning = !isStdin && size === 0 ? "the file is empty" : `no papers found (${format})${HOW_TO_FIX[format]}`;
      log.warn(`${file}: ${fr.warning}`);
    }
  } catch (e) {
    if (e instanceof StrictIngestError) throw e;
    // The parser cannot go on (truncated gzip, unreadable file): keep every complete batch, report the file.
    flush(false);
    const err = e instanceof InputError ? e : new InputError({ file }, (e as Error).message, { cause: e });
    fr.error = err.message;
    if (opts.strict) throw new StrictIngestError(err, { ...total, files: [...total.files, fr] });
    log.error(err.message);
  } finally {
    destroy(raw);
    progress.set(readBytes() ?? index);
    progress.done();
  }
  return fr;
}

/**
 * A parsed paper within the field limits: cut to them (and the overflow described), or under
 * oversize "skip" turned into a bad record, so it is counted, logged and honours --strict like one.
 */
function capItem(
  item: ParsedItem,
  limits: FieldLimits,
): { kind: "paper"; paper: Paper; overflow: string } | { kind: "error"; error: InputError } {
  if (item.kind === "error") return item;
  const { paper, overflows } = capFields(item.paper, limits);
  if (overflows.length === 0) return { kind: "paper", paper, overflow: "" };
  const what = describeOverflows(overflows);
  if (limits.oversize === "skip") {
    return {
      kind: "error",
      error: new InputError(item.location, `record too large: ${what}; skipped`, {
        hint: "raise the library limits, or set library.oversize to truncate",
      }),
    };
  }
  const where = `${formatLocation(item.location)}: ${item.paper.id}`;
  return { kind: "paper", paper, overflow: `${where}: ${what}; kept the first ${describeKept(overflows)}` };
}

const describeKept = (o: { field: string; maxChars: number }[]) =>
  o.map((x) => `${x.maxChars} characters of ${x.field}`).join(", ");

/** --format wins; then the file name; then the first bytes (which are replayed to the parser). */
async function resolveFormat(
  file: string,
  raw: NodeJS.ReadableStream,
  forced: InputFormat | undefined,
): Promise<{ format: InputFormat; stream: NodeJS.ReadableStream }> {
  const byName = forced ?? (file === "-" ? null : formatFromName(file));
  if (byName) return { format: byName, stream: raw };
  const it = (raw as AsyncIterable<Buffer | string>)[Symbol.asyncIterator]();
  const first = await it.next();
  const head = first.done ? Buffer.alloc(0) : Buffer.from(first.value);
  const format = sniffFormat(head);
  async function* replay() {
    if (head.length > 0) yield head;
    for (;;) {
      const r = await it.next();
      if (r.done) return;
      yield Buffer.from(r.value);
    }
  }
  return { format, stream: Readable.from(replay(), { objectMode: false }) };
}

/** Which file this is for resuming: real path, size, mtime and format; any change starts it over. */
export function inputFileKey(file: string, format: InputFormat): string {
  const real = realpathSync(file);
  const st = statSync(real);
  return `${real}|${st.size}|${Math.trunc(st.mtimeMs)}|${format}`;
}

function destroy(s: NodeJS.ReadableStream): void {
  if (s === process.stdin) return;
  // A stream destroyed before its file opened may still report the open failing (the file gone by then): nothing reads it.
  s.on("error", () => undefined);
  (s as Partial<ReadStream>).destroy?.();
}
