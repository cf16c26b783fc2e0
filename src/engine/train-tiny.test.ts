// End to end: a tiny llama learns a repeated sentence with AdamW, and its greedy continuation reproduces the text.
import assert from "node:assert/strict";
import { test } from "node:test";
import { createRng } from "../core/index.js";
import { createAdamW } from "./adamw.js";
import { clipGradNorm } from "./clip-grad-norm.js";
import { createLlama } from "./llama.js";

const TEXT = "the quick brown fox jumps over the lazy dog. ";

test("a tiny model learns a repeated sentence: loss < 0.05 nats/token within 150 steps", () => {
  const alphabet = [...new Set(TEXT)].sort();
  const ids = [...TEXT.repeat(40)].map((c) => alphabet.indexOf(c));
  const model = createLlama(
    {
      vocabSize: alphabet.length,
      dModel: 48,
      nLayers: 2,
      nHeads: 4,
      nKvHeads: 2,
      dFf: 96,
      contextLength: 32,
      ropeTheta: 10000,
      normEps: 1e-5,
      tiedEmbeddings: true,
    },
    { seed: 1 },
  );
  const opt = createAdamW(model.params, { lr: 1e-2, beta1: 0.9, beta2: 0.99, eps: 1e-8, weightDecay: 0.01 });
  const rng = createRng(2);
  const B = 8;
  const T = 32;
  const first = { loss: 0, last: Number.POSITIVE_INFINITY };
  const started = performance.now();
  for (let step = 0; step < 150; step++) {
    const tokens = new Int32Array(B * T);
    const targets = new Int32Array(B * T);
    for (let b = 0; b < B; b++) {
      const at = rng.int(ids.length - T - 1);
      for (let t = 0; t < T; t++) {
        tokens[b * T + t] = ids[at + t] as number;
        targets[b * T + t] = ids[at + t + 1] as number;
      }
    }
    const { loss, lossTokens: n } = model.lossAndGrad({ tokens, targets, B, T }, { gradScale: 1 / (B * T) });
    if (step === 0) first.loss = loss / n;
    first.last = loss / n;
    clipGradNorm(model.params, 1);
    opt.step(1e-2 * (1 - step / 150)); // linear decay to 0: a converged end state, not one noisy step
    model.zeroGrad();
  }
  const seconds = (performance.now() - started) / 1000;
  assert.ok(Math.abs(first.loss - Math.log(alphabet.length)) < 0.3, `initial loss ${first.loss} should be near ln V`);
  assert.ok(first.last < 0.05, `final loss ${first.last} nats/token after 150 steps (${seconds.toFixed(1)} s)`);
  const prompt = [..."the quick "].map((c) => alphabet.indexOf(c));
  const out = model.generate(prompt, { maxTokens: 20 });
  assert.equal(out.map((i) => alphabet[i]).join(""), "brown fox jumps over");
});
