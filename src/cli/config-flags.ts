import type { Command } from "commander";
import { z } from "zod";
import type { FlagValues } from "../config/index.js";
import { floatFlag, intFlag } from "./context.js";

/** How one config field shows on the command line: the value's placeholder (a boolean takes none) and a note after its description. */
export type FlagSpec = { value?: string; note?: string };

/**
 * A block of flags, each the kebab-case name of one field of a config section (`topK` -> `--top-k`
 * -> `judge.topK`). The schema gives each its description, its choices (enums) and its parser
 * (integers, numbers), so a flag is declared once: here, by naming its field.
 */
export type ConfigFlags<K extends string> = {
  section: string;
  schema: z.ZodObject<Record<K, z.ZodType>>;
  fields: Record<K, FlagSpec>;
};

/** The values a block's flags parsed to, by field name; a flag not given stays undefined. */
export type FlagsOf<B> = B extends ConfigFlags<infer K> ? Partial<Record<K, unknown>> : never;

/** A flag block for `fields` of `schema`, in the order they show in --help; a string is the value's placeholder. */
export function configFlags<S extends z.ZodRawShape, K extends keyof S & string>(opts: {
  section: string;
  schema: z.ZodObject<S>;
  fields: Record<K, FlagSpec | string>;
}): ConfigFlags<K> {
  const fields = Object.fromEntries(
    Object.entries<FlagSpec | string>(opts.fields).map(([k, v]) => [k, typeof v === "string" ? { value: v } : v]),
  ) as Record<K, FlagSpec>;
  // The K fields are keys of S, so the schema is also an object over K: narrowing it lets addConfigFlags index it.
  return { section: opts.section, schema: opts.schema as unknown as ConfigFlags<K>["schema"], fields };
}

/** Adds each flag of `block` to `cmd`. */
export function addConfigFlags<K extends string>(cmd: Command, block: ConfigFlags<K>): Command {
  for (const [key, spec] of Object.entries<FlagSpec>(block.fields)) {
    const field = block.schema.shape[key as K];
    const inner = unwrap(field);
    const flag = `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
    const choices = inner instanceof z.ZodEnum ? `: ${inner.options.join(" | ")}` : "";
    const description = `${field.description ?? ""}${choices}${spec.note ?? ""}`;
    const value = spec.value ?? "<value>";
    if (inner instanceof z.ZodBoolean) {
      cmd.option(flag, description);
      // On by default: `--no-x` turns it off. With both defined, commander leaves it undefined when neither is given.
      if (field.parse(undefined) === true) cmd.option(`--no-${flag.slice(2)}`, `turn off ${flag}`);
    } else if (inner instanceof z.ZodNumber)
      cmd.option(`${flag} ${value}`, description, inner.isInt ? intFlag(flag) : floatFlag(flag));
    else cmd.option(`${flag} ${value}`, description);
  }
  return cmd;
}

/** The flags of `block` keyed by config path ("judge.topK") for contextFor; flags not given stay undefined. */
export function configFlagValues<K extends string>(
  block: ConfigFlags<K>,
  flags: Partial<Record<K, unknown>>,
): FlagValues {
  return Object.fromEntries(Object.keys(block.fields).map((k) => [`${block.section}.${k}`, flags[k as K]]));
}

function unwrap(field: z.ZodType): z.ZodType {
  let inner = field;
  while (inner instanceof z.ZodDefault || inner instanceof z.ZodOptional) inner = inner.unwrap() as z.ZodType;
  return inner;
}
