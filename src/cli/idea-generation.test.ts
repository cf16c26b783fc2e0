import assert from "node:assert/strict";
import { join } from "node:path";
import { test } from "node:test";
import { ConfigError, createRng } from "../core/index.js";
import { initDecoder, saveDecoder } from "../steer/index.js";
import { tempDir, writeTinyControllers } from "../testing/index.js";
import { controlOptions } from "./idea-generation.js";

const score = async (texts: string[]) => texts.map(() => ({ novelty: 0.5, feasibility: 0.5, effectiveness: 0.5 }));
const weights = { novelty: 0.5, feasibility: 0.25, effectiveness: 0.25 };

test("--control: dynamic on a server is best-of-K; static reads the controllers; what cannot run says why", (t) => {
  const dir = tempDir(t);
  const base = { openai: false, bestOf: 3, weights, score };
  assert.deepEqual(controlOptions("none", base), {});
  assert.equal(controlOptions("dynamic", { ...base, openai: true }).bestOfK?.k, 3, "a server takes no control vectors");
  assert.equal(controlOptions("best-of-k", base).bestOfK?.k, 3);
  assert.throws(() => controlOptions("static", base), ConfigError, "no controllers anywhere");
  writeTinyControllers(dir);
  const fixed = controlOptions("static", { ...base, controllersDir: dir });
  assert.deepEqual(fixed.steering?.eps, [0.5, 0.25, 0.25]);
  assert.throws(() => controlOptions("dynamic", { ...base, controllersDir: dir }), /needs a sentence-level decoder/);
  assert.deepEqual(controlOptions("auto", { ...base, controllersDir: dir }), {}, "auto: no decoder, no control");
  const rng = createRng(1);
  saveDecoder(join(dir, "controllers", "decoder.json"), initDecoder({ hidden: 4, epsMax: 1, sigma: 0.1, rng }), {});
  assert.ok(controlOptions("auto", { ...base, controllersDir: dir }).dynamic, "auto: controllers and a decoder");
  assert.deepEqual(
    controlOptions("auto", { ...base, controllersDir: dir, openai: true }),
    {},
    "never best-of-K unasked",
  );
  assert.throws(
    () => controlOptions("loud", base),
    (e: unknown) => e instanceof ConfigError && /use auto, none, static, dynamic, best-of-k/.test(e.hint ?? ""),
  );
});
