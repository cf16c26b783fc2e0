import assert from "node:assert/strict";
import { test } from "node:test";
import { ConfigError } from "../core/index.js";
import { resolvePretrainConfig } from "./pretrain-config.js";

test("presets resolve to valid configs; overrides win over the preset", () => {
  const d = resolvePretrainConfig("small");
  assert.equal(d.model.dModel, 128);
  const b = resolvePretrainConfig("base"); // the shipped models/default
  assert.equal(b.model.contextLength, 1024);
  assert.equal(b.seqLen, 1024);
  const t = resolvePretrainConfig("tiny", { maxSteps: 7, model: { nLayers: 1 } });
  assert.equal(t.maxSteps, 7);
  assert.equal(t.model.nLayers, 1);
  assert.equal(t.model.dModel, 32); // the rest of the preset's model shape is kept
});

test("impossible combinations are refused with the fix", () => {
  assert.throws(
    () => resolvePretrainConfig("tiny", { seqLen: 64 }),
    (e: unknown) =>
      e instanceof ConfigError && /seqLen \(64\) exceeds model.contextLength \(32\); lower seqLen/.test(e.message),
  );
  assert.throws(() => resolvePretrainConfig("tiny", { warmupSteps: 40 }), /lower warmupSteps/);
  assert.throws(() => resolvePretrainConfig("tiny", { model: { nHeads: 3 } }), /multiple of nHeads/);
  assert.throws(() => resolvePretrainConfig("tiny", { checkpointEvery: 15 }), /multiple of evalEvery/);
  assert.throws(() => resolvePretrainConfig("tiny", { lr: 1e-4, minLr: 1e-3 }), /lower minLr/);
});
