import { existsSync, readFileSync } from "node:fs";
import { homedir } from "node:os";
import { join, resolve } from "node:path";
import { z } from "zod";
import { ConfigError } from "../core/index.js";
import { Config } from "./schema.js";
import { defaultSharedDataDir } from "./shared-data-dir.js";

/** Flags given on the command line, keyed by dotted config path ("library.dbPath"). Undefined = not given. */
export type FlagValues = Record<string, unknown>;

export type LoadConfigOptions = {
  flags?: FlagValues;
  env?: NodeJS.ProcessEnv;
  /** explicit --config file; otherwise <home>/config.json when it exists */
  configFile?: string;
};

/**
 * Builds the configuration with precedence defaults < config file < environment < flags,
 * validates it, and fills derived paths. Errors name the source of the bad value.
 */
export function loadConfig(opts: LoadConfigOptions = {}): Config {
  const env = opts.env ?? process.env;
  const flags = opts.flags ?? {};
  const fromEnv = envValues(env);
  // home decides where the default config file lives, so it is resolved first.
  const home = resolveHome((flags.home as string | undefined) ?? (fromEnv.home as string | undefined), env);
  const file = opts.configFile ?? join(home, "config.json");
  let fileValues: Record<string, unknown> = {};
  if (opts.configFile !== undefined || existsSync(file)) {
    let text: string;
    try {
      text = readFileSync(file, "utf8");
    } catch (e) {
      throw new ConfigError(`cannot read config file ${file}: ${(e as Error).message}`);
    }
    try {
      fileValues = JSON.parse(text) as Record<string, unknown>;
    } catch (e) {
      throw new ConfigError(`config file ${file} is not valid JSON: ${(e as Error).message}`);
    }
    if (typeof fileValues !== "object" || fileValues === null || Array.isArray(fileValues)) {
      throw new ConfigError(`config file ${file} must hold a JSON object`);
    }
  }
  const merged: Record<string, unknown> = {};
  deepMerge(merged, fileValues);
  for (const [k, v] of Object.entries(fromEnv)) setPath(merged, k, v);
  for (const [k, v] of Object.entries(flags)) if (v !== undefined) setPath(merged, k, v);
  merged.home = home;
  const parsed = Config.safeParse(merged);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`).join("; ");
    throw new ConfigError(`invalid configuration: ${issues}`, `check ${file}, IDEASTEER_* variables and flags`);
  }
  return resolvePaths(parsed.data);
}

export function resolveHome(given: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  if (given && given.length > 0) return resolve(given.startsWith("~/") ? join(homedir(), given.slice(2)) : given);
  return join(env.HOME ?? homedir(), ".ideasteer");
}

/** Fills paths left empty: the library from `home`, the data folders with ../shared/data beside the checkout. */
export function resolvePaths(cfg: Config): Config {
  return {
    ...cfg,
    library: { ...cfg.library, dbPath: cfg.library.dbPath || join(cfg.home, "library.sqlite") },
    datasets: { ...cfg.datasets, dataDir: cfg.datasets.dataDir || defaultSharedDataDir() },
    train: { ...cfg.train, dataDir: cfg.train.dataDir || defaultSharedDataDir() },
  };
}

/** IDEASTEER_HOME -> home, IDEASTEER_LLM_BASE_URL -> llm.baseUrl; values coerced to the field's type. */
export function envValues(env: NodeJS.ProcessEnv): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const field of configFields()) {
    const raw = env[field.envName];
    if (raw === undefined || raw === "") continue;
    out[field.path] = coerce(raw, field.kind, field.envName);
  }
  return out;
}

type FieldKind = "string" | "number" | "boolean" | "json";
type ConfigField = { path: string; envName: string; kind: FieldKind; description?: string };

/** Every leaf field of the schema, with its environment variable name. */
export function configFields(): ConfigField[] {
  const out: ConfigField[] = [];
  const walk = (schema: z.ZodType, path: string[]) => {
    const inner = unwrap(schema);
    if (inner instanceof z.ZodObject) {
      for (const [k, v] of Object.entries(inner.shape)) walk(v as z.ZodType, [...path, k]);
      return;
    }
    const envName = `IDEASTEER_${path.map((p) => p.replace(/([a-z0-9])([A-Z])/g, "$1_$2").toUpperCase()).join("_")}`;
    out.push({ path: path.join("."), envName, kind: kindOf(inner), description: schema.description });
  };
  walk(Config, []);
  return out;
}

function unwrap(s: z.ZodType): z.ZodType {
  let cur: z.ZodType = s;
  for (;;) {
    if (cur instanceof z.ZodDefault || cur instanceof z.ZodOptional || cur instanceof z.ZodNullable) {
      cur = cur.unwrap() as z.ZodType;
    } else return cur;
  }
}

function kindOf(s: z.ZodType): FieldKind {
  if (s instanceof z.ZodNumber) return "number";
  if (s instanceof z.ZodBoolean) return "boolean";
  if (s instanceof z.ZodString || s instanceof z.ZodEnum) return "string";
  return "json";
}

function coerce(raw: string, kind: FieldKind, name: string): unknown {
  switch (kind) {
    case "number": {
      const n = Number(raw);
      if (!Number.isFinite(n)) throw new ConfigError(`${name}=${raw} is not a number`);
      return n;
    }
    case "boolean":
      if (/^(1|true|yes|on)$/i.test(raw)) return true;
      if (/^(0|false|no|off)$/i.test(raw)) return false;
      throw new ConfigError(`${name}=${raw} is not a boolean (use true or false)`);
    case "json":
      try {
        return JSON.parse(raw);
      } catch {
        throw new ConfigError(`${name} must be JSON`);
      }
    default:
      return raw;
  }
}

function setPath(obj: Record<string, unknown>, path: string, value: unknown): void {
  const keys = path.split(".");
  let cur = obj;
  for (const k of keys.slice(0, -1)) {
    const next = cur[k];
    if (typeof next !== "object" || next === null || Array.isArray(next)) cur[k] = {};
    cur = cur[k] as Record<string, unknown>;
  }
  cur[keys[keys.length - 1] as string] = value;
}

function deepMerge(target: Record<string, unknown>, src: Record<string, unknown>): void {
  for (const [k, v] of Object.entries(src)) {
    if (typeof v === "object" && v !== null && !Array.isArray(v)) {
      const t = target[k];
      if (typeof t !== "object" || t === null || Array.isArray(t)) target[k] = {};
      deepMerge(target[k] as Record<string, unknown>, v as Record<string, unknown>);
    } else target[k] = v;
  }
}
