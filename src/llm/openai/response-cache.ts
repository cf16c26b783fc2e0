import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { Logger } from "../../core/index.js";
import { writeFileAtomic } from "../../core/index.js";
import type { Generation } from "../backend.js";

/**
 * Generations stored by request key. The backend consults it only for deterministic requests
 * (temperature 0 or a seed) unless forced, so a hit returns what the server would have said anyway.
 */
export type ResponseCache = {
  get(key: string): Generation | undefined;
  set(key: string, generation: Generation): void;
};

/** sha256 of the request's canonical JSON (object keys sorted), so key order never changes the key. */
export function requestKey(request: unknown): string {
  return createHash("sha256").update(canonicalJson(request)).digest("hex");
}

function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(",")}]`;
  if (typeof v === "object" && v !== null) {
    const entries = Object.entries(v)
      .filter(([, x]) => x !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, x]) => `${JSON.stringify(k)}:${canonicalJson(x)}`).join(",")}}`;
  }
  return JSON.stringify(v) ?? "null";
}

/** Lives as long as the backend that owns it. */
export function memoryCache(): ResponseCache {
  const entries = new Map<string, Generation>();
  return {
    get: (key) => entries.get(key),
    set: (key, g) => void entries.set(key, g),
  };
}

/**
 * One JSON file per entry under `dir/<first two hex digits>/<key>.json`, written atomically so
 * parallel runs sharing a cache never read half a file. An unreadable entry is a miss (and a warning).
 */
export function diskCache(dir: string, log?: Logger): ResponseCache {
  const pathOf = (key: string) => join(dir, key.slice(0, 2), `${key}.json`);
  return {
    get(key) {
      const path = pathOf(key);
      if (!existsSync(path)) return undefined;
      try {
        const entry: unknown = JSON.parse(readFileSync(path, "utf8"));
        if (isGeneration(entry)) return { text: entry.text, finishReason: entry.finishReason, usage: entry.usage };
      } catch {
        // fall through: a damaged entry is refetched and overwritten
      }
      log?.warn("openai cache: ignoring a damaged entry", { path });
      return undefined;
    },
    set(key, g) {
      mkdirSync(join(dir, key.slice(0, 2)), { recursive: true });
      writeFileAtomic(pathOf(key), `${JSON.stringify({ key, savedAt: new Date().toISOString(), ...g })}\n`);
    },
  };
}

function isGeneration(x: unknown): x is Generation {
  if (typeof x !== "object" || x === null) return false;
  const g = x as Partial<Generation>;
  return (
    typeof g.text === "string" &&
    (g.finishReason === "stop" || g.finishReason === "length") &&
    typeof g.usage?.promptTokens === "number" &&
    typeof g.usage?.completionTokens === "number"
  );
}
