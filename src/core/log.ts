/**
 * Structured logs: one JSON object per line on stderr (or a text line when stderr is a TTY and
 * the format is "auto"). Loggers are values passed in, never a module-level singleton.
 */
export const LOG_LEVELS = ["debug", "info", "warn", "error", "silent"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];
export type LogFields = Record<string, unknown>;

export type Logger = {
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
  child(fields: LogFields): Logger;
};

export type LoggerOptions = {
  level?: LogLevel;
  format?: "json" | "text" | "auto";
  write?: (line: string) => void;
  base?: LogFields;
};

export function createLogger(opts: LoggerOptions = {}): Logger {
  const level = opts.level ?? "info";
  const write = opts.write ?? ((line: string) => process.stderr.write(`${line}\n`));
  const format =
    opts.format === "auto" || opts.format === undefined ? (process.stderr.isTTY ? "text" : "json") : opts.format;
  const min = LOG_LEVELS.indexOf(level);
  const base = opts.base ?? {};
  const emit = (lvl: Exclude<LogLevel, "silent">, msg: string, fields?: LogFields) => {
    if (LOG_LEVELS.indexOf(lvl) < min) return;
    const rec = { time: new Date().toISOString(), level: lvl, msg, ...base, ...fields };
    if (format === "json") write(JSON.stringify(rec, jsonSafe));
    else {
      const extra = Object.entries({ ...base, ...fields })
        .map(([k, v]) => `${k}=${typeof v === "string" ? v : JSON.stringify(v, jsonSafe)}`)
        .join(" ");
      write(`${lvl.padEnd(5)} ${msg}${extra ? ` ${extra}` : ""}`);
    }
  };
  return {
    debug: (m, f) => emit("debug", m, f),
    info: (m, f) => emit("info", m, f),
    warn: (m, f) => emit("warn", m, f),
    error: (m, f) => emit("error", m, f),
    child: (f) => createLogger({ ...opts, format, base: { ...base, ...f } }),
  };
}

/** A logger that drops everything (tests, library callers that want silence). */
export const silentLogger: Logger = createLogger({ level: "silent" });

function jsonSafe(_key: string, value: unknown): unknown {
  if (value instanceof Error) return { name: value.name, message: value.message };
  if (typeof value === "bigint") return value.toString();
  return value;
}
