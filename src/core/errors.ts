/**
 * Typed, actionable errors. Every error ideasteer raises on purpose is an IdeasteerError with a
 * stable `code` and, where one exists, a `hint` that tells the user what to do next.
 * Folders subclass these for their own cases; the CLI prints `message` and `hint` and exits non-zero.
 */
export class IdeasteerError extends Error {
  readonly code: string;
  readonly hint?: string;
  constructor(code: string, message: string, opts: { hint?: string; cause?: unknown } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = new.target.name;
    this.code = code;
    this.hint = opts.hint;
  }
}

/** Invalid configuration (file, environment or flags). */
export class ConfigError extends IdeasteerError {
  constructor(message: string, hint?: string) {
    super("E_CONFIG", message, { hint });
  }
}

/** Where in an input a problem sits: a file plus a line and/or a byte offset. */
export type InputLocation = { file: string; line?: number; byteOffset?: number; record?: number };

export const formatLocation = (loc: InputLocation): string =>
  [
    loc.file,
    loc.line !== undefined ? `line ${loc.line}` : "",
    loc.byteOffset !== undefined ? `byte ${loc.byteOffset}` : "",
  ]
    .filter(Boolean)
    .join(":");

/** Bad user input: a malformed file, a record that is not what it should be. Names where it is. */
export class InputError extends IdeasteerError {
  readonly location: InputLocation;
  constructor(location: InputLocation, message: string, opts: { hint?: string; cause?: unknown } = {}) {
    super("E_INPUT", `${formatLocation(location)}: ${message}`, opts);
    this.location = location;
  }
}

/** Something looked up by id does not exist. */
export class NotFoundError extends IdeasteerError {
  constructor(what: string, id: string, hint?: string) {
    super("E_NOT_FOUND", `${what} not found: ${id}`, { hint });
  }
}

/** A file we wrote ourselves (checkpoint, dataset, model) is corrupt, truncated or of another version. */
export class CorruptFileError extends IdeasteerError {
  constructor(file: string, message: string, opts: { hint?: string; cause?: unknown } = {}) {
    super("E_CORRUPT", `${file}: ${message}`, opts);
  }
}

/** A budget (tokens, money, time) was spent; work stopped cleanly. */
export class BudgetExceededError extends IdeasteerError {
  constructor(message: string, hint?: string) {
    super("E_BUDGET", message, { hint });
  }
}

export const errorMessage = (e: unknown): string => (e instanceof Error ? e.message : String(e));
