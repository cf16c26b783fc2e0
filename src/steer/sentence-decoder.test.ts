import assert from "node:assert/strict";
import { join } from "node:path";
import { test } from "node:test";
import { createRng } from "../core/index.js";
import { DIMENSIONS, IDEA_FIELDS } from "../idea/index.js";
import { tempDir } from "../testing/index.js";
import {
  accumulateDecisionGrad,
  decideStrengths,
  decoderFeatures,
  decoderForward,
  FEATURES,
  initDecoder,
  loadDecoder,
  saveDecoder,
  sectionOf,
  warmStartAtStatic,
} from "./index.js";

const W = { novelty: 0.6, feasibility: 0.3, effectiveness: 0.1 };

test("the decoder's REINFORCE gradient matches finite differences of log N(eps; mean, sigma)", () => {
  const rng = createRng(2);
  const dec = initDecoder({ hidden: 5, epsMax: 2, sigma: 0.4, rng });
  for (let i = 0; i < dec.w2.length; i++) dec.w2[i] = rng.normal();
  const x = decoderFeatures(W, "method", { novelty: 0.7, feasibility: 0.2, effectiveness: 0.5 });
  const eps = [1.3, 0.4, 0.9];
  const logN = () => {
    const { mean } = decoderForward(dec, x);
    return eps.reduce((a, e, k) => a - (e - (mean[k] as number)) ** 2 / (2 * dec.sigma ** 2), 0);
  };
  const grad = {
    hidden: 5,
    w1: new Float32Array(dec.w1.length),
    b1: new Float32Array(5),
    w2: new Float32Array(dec.w2.length),
    b2: new Float32Array(3),
  };
  accumulateDecisionGrad(dec, grad, x, eps, 1);
  for (const key of ["w1", "b1", "w2", "b2"] as const)
    for (const i of [0, 2]) {
      const arr = dec[key];
      const h = 1e-3;
      const keep = arr[i] as number;
      arr[i] = keep + h;
      const up = logN();
      arr[i] = keep - h;
      const down = logN();
      arr[i] = keep;
      const fd = (up - down) / (2 * h);
      assert.ok(
        Math.abs(fd - (grad[key][i] as number)) < 2e-3 * Math.max(1, Math.abs(fd)),
        `${key}[${i}]: ${fd} vs ${grad[key][i]}`,
      );
    }
});

test("strengths stay in [0, epsMax]; a fresh decoder answers epsMax / 2; sections follow the labels; files round-trip", (t) => {
  const rng = createRng(5);
  const dec = initDecoder({ hidden: 4, epsMax: 3, sigma: 2, rng });
  const x = decoderFeatures(W, "title", W);
  assert.equal(x.length, FEATURES);
  assert.deepEqual(
    decideStrengths(dec, x).map((e) => e.toFixed(6)),
    ["1.500000", "1.500000", "1.500000"],
  );
  for (let i = 0; i < 200; i++) for (const e of decideStrengths(dec, x, rng)) assert.ok(e >= 0 && e <= 3);
  assert.equal(sectionOf(""), "title");
  assert.equal(sectionOf("Title: A\nMethod: we do"), "method");
  assert.equal(
    sectionOf("Title: A\nMethod: m\nExperiment Plan:\n- Baseline Implementation: b"),
    "experimentPlan.baselines",
  );
  const path = join(tempDir(t), "decoder.json");
  saveDecoder(path, dec, { test: true });
  const back = loadDecoder(path);
  assert.deepEqual(decideStrengths(back, x), decideStrengths(dec, x));
});

test("a warm-started decoder answers static control's strengths, epsMax · w, whatever the section and prefix scores", () => {
  const rng = createRng(5);
  const dec = initDecoder({ hidden: 16, epsMax: 0.1, sigma: 0.02, rng });
  const worst = () => {
    let err = 0;
    for (let i = 0; i < 200; i++) {
      const e = [rng.next(), rng.next(), rng.next()];
      const w = { novelty: e[0] as number, feasibility: e[1] as number, effectiveness: e[2] as number };
      const total = w.novelty + w.feasibility + w.effectiveness;
      for (const d of DIMENSIONS) w[d] /= total;
      const section = IDEA_FIELDS[i % IDEA_FIELDS.length] as (typeof IDEA_FIELDS)[number];
      const scores = { novelty: rng.next(), feasibility: rng.next(), effectiveness: rng.next() };
      const eps = decideStrengths(dec, decoderFeatures(w, section, scores));
      DIMENSIONS.forEach((d, k) => {
        err = Math.max(err, Math.abs((eps[k] as number) - 0.1 * w[d]));
      });
    }
    return err;
  };
  assert.ok(worst() > 0.03, "a fresh decoder answers epsMax / 2, far from epsMax · w");
  const mse = warmStartAtStatic(dec, createRng(6));
  assert.ok(Math.sqrt(mse) < 0.005, `rmse ${Math.sqrt(mse)}`);
  assert.ok(worst() < 0.02, `worst error ${worst()} (a fifth of epsMax)`);
});
