import { CorruptFileError } from "../../core/index.js";
import type { GgufValue } from "./gguf-types.js";

/**
 * The tokenizer fields of a GGUF file (tokenizer.ggml.*), as llama.cpp's llama-vocab reads them.
 * tokenTypes: 1 normal, 2 unknown, 3 control, 4 user-defined, 5 unused, 6 byte.
 * `extra` carries any other tokenizer.* keys through a read/write round trip unchanged.
 */
export type GgufTokenizer = {
  model: "gpt2" | "llama" | string;
  pre?: string;
  tokens: string[];
  tokenTypes: number[];
  merges: string[];
  scores?: number[];
  bosId?: number;
  eosId?: number;
  padId?: number;
  chatTemplate?: string;
  addBos?: boolean;
  extra?: Record<string, GgufValue>;
};

const KNOWN = new Set([
  "tokenizer.ggml.model",
  "tokenizer.ggml.pre",
  "tokenizer.ggml.tokens",
  "tokenizer.ggml.token_type",
  "tokenizer.ggml.merges",
  "tokenizer.ggml.scores",
  "tokenizer.ggml.bos_token_id",
  "tokenizer.ggml.eos_token_id",
  "tokenizer.ggml.padding_token_id",
  "tokenizer.chat_template",
  "tokenizer.ggml.add_bos_token",
]);

/** GGUF metadata for a tokenizer; checks that lengths and special ids agree. */
export function tokenizerMetadata(tok: GgufTokenizer): Record<string, GgufValue> {
  const n = tok.tokens.length;
  if (tok.tokenTypes.length !== n)
    throw new RangeError(`tokenizer: ${n} tokens but ${tok.tokenTypes.length} token types`);
  if (tok.scores && tok.scores.length !== n)
    throw new RangeError(`tokenizer: ${n} tokens but ${tok.scores.length} scores`);
  const m: Record<string, GgufValue> = {
    "tokenizer.ggml.model": { type: "string", value: tok.model },
  };
  if (tok.pre !== undefined) m["tokenizer.ggml.pre"] = { type: "string", value: tok.pre };
  m["tokenizer.ggml.tokens"] = { type: "array", itemType: "string", value: tok.tokens };
  m["tokenizer.ggml.token_type"] = { type: "array", itemType: "i32", value: tok.tokenTypes };
  // llama.cpp refuses a gpt2 vocabulary without this key, even when there are no merges.
  m["tokenizer.ggml.merges"] = { type: "array", itemType: "string", value: tok.merges };
  if (tok.scores) m["tokenizer.ggml.scores"] = { type: "array", itemType: "f32", value: tok.scores };
  const id = (key: string, v: number | undefined) => {
    if (v === undefined) return;
    if (!Number.isInteger(v) || v < 0 || v >= n)
      throw new RangeError(`tokenizer: ${key} ${v} is not a token id (0..${n - 1})`);
    m[key] = { type: "u32", value: v };
  };
  id("tokenizer.ggml.bos_token_id", tok.bosId);
  id("tokenizer.ggml.eos_token_id", tok.eosId);
  id("tokenizer.ggml.padding_token_id", tok.padId);
  if (tok.addBos !== undefined) m["tokenizer.ggml.add_bos_token"] = { type: "bool", value: tok.addBos };
  if (tok.chatTemplate !== undefined) m["tokenizer.chat_template"] = { type: "string", value: tok.chatTemplate };
  for (const [k, v] of Object.entries(tok.extra ?? {})) {
    if (KNOWN.has(k)) throw new Error(`tokenizer.extra must not repeat ${k}; use its own field`);
    m[k] = v;
  }
  return m;
}

/** The tokenizer stored in GGUF metadata; throws CorruptFileError naming a missing or mistyped key. */
export function tokenizerFromMetadata(metadata: Record<string, GgufValue>, path: string): GgufTokenizer {
  const bad = (key: string, what: string): never => {
    throw new CorruptFileError(path, `GGUF tokenizer key ${key} ${what}`);
  };
  const str = (key: string): string | undefined => {
    const v = metadata[key];
    if (v === undefined) return undefined;
    if (v.type !== "string" || typeof v.value !== "string") return bad(key, "is not a string");
    return v.value;
  };
  const arr = <T>(key: string, check: (x: unknown) => x is T, what: string): T[] | undefined => {
    const v = metadata[key];
    if (v === undefined) return undefined;
    if (v.type !== "array" || !v.value.every(check)) return bad(key, `is not an array of ${what}`);
    return v.value as T[];
  };
  const isString = (x: unknown): x is string => typeof x === "string";
  const isNumber = (x: unknown): x is number => typeof x === "number";
  const uint = (key: string): number | undefined => {
    const v = metadata[key];
    if (v === undefined) return undefined;
    if (v.type === "array" || (typeof v.value !== "number" && typeof v.value !== "bigint"))
      return bad(key, "is not an integer");
    return Number(v.value);
  };
  const model = str("tokenizer.ggml.model") ?? bad("tokenizer.ggml.model", "is missing");
  const tokens = arr("tokenizer.ggml.tokens", isString, "strings") ?? bad("tokenizer.ggml.tokens", "is missing");
  const tokenTypes = arr("tokenizer.ggml.token_type", isNumber, "numbers") ?? tokens.map(() => 1);
  const addBosValue = metadata["tokenizer.ggml.add_bos_token"];
  const extra: Record<string, GgufValue> = {};
  for (const [k, v] of Object.entries(metadata)) {
    if (k.startsWith("tokenizer.") && !KNOWN.has(k)) extra[k] = v;
  }
  const tok: GgufTokenizer = {
    model,
    pre: str("tokenizer.ggml.pre"),
    tokens,
    tokenTypes,
    merges: arr("tokenizer.ggml.merges", isString, "strings") ?? [],
    scores: arr("tokenizer.ggml.scores", isNumber, "numbers"),
    bosId: uint("tokenizer.ggml.bos_token_id"),
    eosId: uint("tokenizer.ggml.eos_token_id"),
    padId: uint("tokenizer.ggml.padding_token_id"),
    chatTemplate: str("tokenizer.chat_template"),
    addBos: addBosValue?.type === "bool" ? addBosValue.value === true : undefined,
    extra: Object.keys(extra).length ? extra : undefined,
  };
  for (const k of Object.keys(tok) as (keyof GgufTokenizer)[]) if (tok[k] === undefined) delete tok[k];
  return tok;
}
