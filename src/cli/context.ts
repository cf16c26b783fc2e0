import { type Command, InvalidArgumentError } from "commander";
import type { Config, FlagValues } from "../config/index.js";
import { loadConfig } from "../config/index.js";
import { createLogger, type Logger } from "../core/index.js";

/** What every command handler gets: the resolved config (with this command's flags applied) and a logger. */
export type CliContext = { config: Config; log: Logger };

/**
 * Resolves config for one command run: global options (--home, --config, --log-level) from the
 * root program plus the command's own flags (mapped to dotted config paths by the caller).
 */
export function contextFor(cmd: Command, flags: FlagValues = {}): CliContext {
  const root = rootOf(cmd);
  const g = root.opts<{ home?: string; config?: string; logLevel?: string }>();
  const config = loadConfig({
    configFile: g.config,
    flags: { home: g.home, "log.level": g.logLevel, ...flags },
  });
  const log = createLogger({ level: config.log.level, format: config.log.format });
  return { config, log };
}

function rootOf(cmd: Command): Command {
  let c = cmd;
  while (c.parent) c = c.parent;
  return c;
}

/** Parses a positive integer flag, with a message that names the flag. */
export function intFlag(name: string) {
  return (v: string): number => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 0)
      throw new InvalidArgumentError(`${name} must be a non-negative integer, got "${v}"`);
    return n;
  };
}

export function floatFlag(name: string) {
  return (v: string): number => {
    const n = Number(v);
    if (!Number.isFinite(n)) throw new InvalidArgumentError(`${name} must be a number, got "${v}"`);
    return n;
  };
}
