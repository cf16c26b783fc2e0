import { IdeasteerError } from "../core/index.js";

/**
 * What the CLI prints for an error that ends a command: one line, and a hint with the fix when one
 * is known. Ordinary user errors (a missing file, a port in use, a bad flag) never print a stack
 * trace; `--log-level debug` (or IDEASTEER_LOG_LEVEL=debug) adds it for everything else.
 */
export function describeError(e: unknown, o: { debug: boolean }): string {
  if (e instanceof IdeasteerError) return `error: ${e.message}\n${e.hint ? `hint: ${e.hint}\n` : ""}`;
  const known = systemError(e);
  if (known) return `error: ${known.message}\nhint: ${known.hint}\n`;
  const message = e instanceof Error ? e.message : String(e);
  const stack = o.debug && e instanceof Error && e.stack ? `${e.stack}\n` : "";
  return `error: ${message}\n${stack || "hint: rerun with --log-level debug for the stack trace\n"}`;
}

type SystemError = Error & { code?: string; path?: string; address?: string; port?: number; syscall?: string };

/** Node's errors a user causes and can fix: files that are not there or not readable, a taken port. */
function systemError(e: unknown): { message: string; hint: string } | null {
  if (!(e instanceof Error)) return null;
  const { code, path, address, port } = e as SystemError;
  switch (code) {
    case "ENOENT":
      return {
        message: `no such file or directory: ${path ?? "?"}`,
        hint: "check the path (relative paths start at the working directory)",
      };
    case "EACCES":
    case "EPERM":
      return {
        message: `permission denied: ${path ?? address ?? "?"}`,
        hint: "check the file's permissions, or choose a port above 1023",
      };
    case "EISDIR":
      return { message: `is a directory, not a file: ${path ?? "?"}`, hint: "name a file inside it" };
    case "EADDRINUSE":
      return {
        message: `address ${address ?? "?"}:${port ?? "?"} is already in use`,
        hint: "stop the other server or pass another --port",
      };
    case "EADDRNOTAVAIL":
      return {
        message: `cannot listen on ${address ?? "?"}: no such address on this machine`,
        hint: "pass --host 127.0.0.1",
      };
    default:
      return null;
  }
}

export const isDebug = (argv: string[]): boolean => {
  const i = argv.indexOf("--log-level");
  return (
    (i >= 0 && argv[i + 1] === "debug") ||
    argv.includes("--log-level=debug") ||
    process.env.IDEASTEER_LOG_LEVEL === "debug"
  );
};

/**
 * Ctrl-C on a command that has no handler of its own: say how to pick up again and exit 130. Commands
 * that stop cleanly themselves (training checkpoints first) add their own listener, and this one then
 * leaves it to them.
 */
export function exitOnInterrupt(): void {
  process.on("SIGINT", () => {
    if (process.listenerCount("SIGINT") > 1) return;
    process.stderr.write(
      "\ninterrupted: nothing half-written is kept; rerun the same command to continue " +
        "(library add resumes after its last committed batch, data build starts its version again)\n",
    );
    process.exit(130);
  });
}
