import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { DIMENSIONS, parseIdea } from "../idea/index.js";
import { SHIPPED_POLICY_PATH, SHIPPED_RL_POLICY_PATH } from "../llm/index.js";
import { runCli, tempDir } from "../testing/index.js";
import { modelHash } from "./model-hash.js";

const PAPER = fileURLToPath(new URL("../../examples/paper.json", import.meta.url));
const LISTING = fileURLToPath(new URL("../../examples/listing.txt", import.meta.url));
const SKIP = existsSync(SHIPPED_POLICY_PATH) ? false : `no shipped policy at ${SHIPPED_POLICY_PATH}`;

const generate = (home: string, seed: string) =>
  runCli(home, ["generate", "--paper-file", PAPER, "-n", "4", "--json", "--seed", seed]);

test("on a fresh machine (empty home), the shipped policy writes 4 well-formed, scored ideas for the example paper; same seed, same ideas; the models named", {
  skip: SKIP,
}, (t) => {
  const home = join(tempDir(t), "empty-home");
  const a = generate(home, "7");
  assert.equal(a.status, 0, a.stderr);
  const rows = a.stdout
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l) as { text: string; scores: Record<string, number>; related: { id: string }[] });
  assert.equal(rows.length, 4);
  for (const r of rows) {
    parseIdea(r.text); // the section-1 layout, exactly
    for (const d of DIMENSIONS) assert.ok((r.scores[d] ?? -1) >= 0 && (r.scores[d] ?? 2) <= 1, d);
    assert.equal(r.related[0]?.id, "iclr2020/r1genAVKPB");
  }
  assert.equal(new Set(rows.map((r) => r.text)).size, 4, "four different ideas");
  assert.equal(generate(home, "7").stdout, a.stdout, "same seed, same output");
  // The default is the RL policy under dynamic control: the idea names the policy, its controllers, its decoder and
  // the reward model the decoder reads, besides the reward model that scored it.
  const rl = dirname(SHIPPED_RL_POLICY_PATH);
  const models = (JSON.parse(a.stdout.split("\n")[0] as string) as { models: Record<string, string> }).models;
  assert.deepEqual(models, {
    policy: modelHash(SHIPPED_RL_POLICY_PATH),
    reward: modelHash(join(rl, "..", "reward", "model.json")),
    controllers: modelHash(DIMENSIONS.map((d) => join(rl, "controllers", `${d}.gguf`))),
    decoder: modelHash(join(rl, "controllers", "decoder.json")),
    decoderReward: modelHash(join(rl, "..", "reward", "transformer", "model.json")),
  });
  const bare = runCli(home, ["generate", "--paper-file", PAPER, "-n", "1", "--json", "--control", "none"]);
  assert.equal(bare.status, 0, bare.stderr);
  assert.deepEqual(Object.keys((JSON.parse(bare.stdout) as { models: object }).models), ["policy", "reward"]);
});

test("a paper-listing page works as the paper file: --paper-index picks the paper", { skip: SKIP }, (t) => {
  const home = join(tempDir(t), "home");
  const r = runCli(home, ["generate", "--paper-file", LISTING, "--paper-index", "1", "-n", "1", "--json"]);
  assert.equal(r.status, 0, r.stderr);
  const row = JSON.parse(r.stdout.trim()) as { text: string; related: { title: string }[] };
  parseIdea(row.text);
  assert.equal(row.related[0]?.title, "Deep Learning For Symbolic Mathematics");
});
