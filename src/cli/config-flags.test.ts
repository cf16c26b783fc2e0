import assert from "node:assert/strict";
import { test } from "node:test";
import { Command } from "commander";
import { z } from "zod";
import { addConfigFlags, configFlags, configFlagValues } from "./config-flags.js";

const Section = z.object({
  topK: z.number().int().min(1).default(10).describe("papers kept"),
  temperature: z.number().min(0).default(0.7).describe("sampling temperature"),
  method: z.enum(["tfidf", "embedding"]).default("tfidf").describe("how"),
  weighted: z.boolean().default(false).describe("weight by confidence"),
  strict: z.boolean().default(true).describe("refuse broken rows"),
  secret: z.string().default("").describe("a key"),
});
const FLAGS = configFlags({
  section: "demo",
  schema: Section,
  fields: {
    topK: "<n>",
    temperature: "<t>",
    method: "<name>",
    weighted: {},
    strict: {},
    secret: { value: "<key>", note: " (env X)" },
  },
});

function parse(argv: string[]) {
  const cmd = addConfigFlags(new Command("demo").exitOverride(), FLAGS);
  cmd.parse(["node", "demo", ...argv]);
  return { cmd, values: configFlagValues(FLAGS, cmd.opts()) };
}

test("a flag per field, named after it, described, typed and listed by the schema", () => {
  const { cmd } = parse([]);
  const help = Object.fromEntries(cmd.options.map((o) => [o.flags, o.description]));
  assert.deepEqual(help, {
    "--top-k <n>": "papers kept",
    "--temperature <t>": "sampling temperature",
    "--method <name>": "how: tfidf | embedding",
    "--weighted": "weight by confidence",
    "--strict": "refuse broken rows",
    "--no-strict": "turn off --strict",
    "--secret <key>": "a key (env X)",
  });
});

test("flag values land on their config paths; flags not given stay undefined", () => {
  assert.deepEqual(parse(["--top-k", "3", "--temperature", "0.5", "--weighted"]).values, {
    "demo.topK": 3,
    "demo.temperature": 0.5,
    "demo.method": undefined,
    "demo.weighted": true,
    "demo.strict": undefined,
    "demo.secret": undefined,
  });
  // A field on by default is turned off by --no-<flag>, and left to the config file when neither is given.
  assert.equal(parse(["--no-strict"]).values["demo.strict"], false);
  assert.equal(parse(["--strict"]).values["demo.strict"], true);
  assert.throws(() => parse(["--top-k", "two"]), /--top-k must be a non-negative integer/);
  assert.throws(() => parse(["--temperature", "warm"]), /--temperature must be a number/);
});
