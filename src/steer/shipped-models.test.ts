import assert from "node:assert/strict";
import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { DIMENSIONS } from "../idea/index.js";
import { loadRewardModel } from "../reward/index.js";
import { loadDecoder } from "./index.js";

const MODELS = fileURLToPath(new URL("../../models", import.meta.url));
const PER_DIMENSION = join(MODELS, "reward-per-dimension");
const CONTROLLERS_PER_DIMENSION = join(MODELS, "policy-rl", "controllers-per-dimension");

const bytesUnder = (dir: string): number =>
  readdirSync(dir, { withFileTypes: true }).reduce(
    (sum, e) => sum + (e.isDirectory() ? bytesUnder(join(dir, e.name)) : statSync(join(dir, e.name)).size),
    0,
  );

test("every shipped model together stays within the 100 MB the repository allows (issue 11 §7)", () => {
  const total = bytesUnder(MODELS);
  assert.ok(total <= 100_000_000, `models/ holds ${(total / 1e6).toFixed(1)} MB`);
});

test("the shipped per-dimension reward models load without ../shared, and each dimension reads its own model", {
  skip: existsSync(PER_DIMENSION) ? false : `no ${PER_DIMENSION}`,
}, async () => {
  const model = loadRewardModel(PER_DIMENSION);
  assert.equal(model.name, "reward-per-dimension");
  const texts = [
    "Title: A provably optimal sample complexity bound\nMethod: We derive a new lower bound for bandits.",
    "Title: A simple baseline for image classification\nMethod: We fine-tune a ResNet on ImageNet.",
    "Title: Large language models as planners\nMethod: We prompt an LLM to plan robot tasks step by step.",
  ];
  const scores = await model.score(texts);
  for (const d of DIMENSIONS) {
    const values = scores.map((s) => s[d]);
    for (const v of values) assert.ok(v > 0 && v < 1, `${d} ${v}`);
    // A head left untrained would read 0.5 for every text.
    assert.ok(new Set(values.map((v) => v.toFixed(6))).size > 1, `${d} tells the texts apart: ${values}`);
  }
});

test("the per-dimension controllers' decoder reads the shipped per-dimension reward models, wherever the repository sits", {
  skip: existsSync(join(CONTROLLERS_PER_DIMENSION, "decoder.json"))
    ? false
    : "no decoder beside the per-dimension controllers",
}, () => {
  assert.equal(loadDecoder(join(CONTROLLERS_PER_DIMENSION, "decoder.json")).rewardModel, PER_DIMENSION);
});
