import assert from "node:assert/strict";
import { test } from "node:test";
import { createRng } from "../core/index.js";
import type { Scores } from "../idea/index.js";
import { clippedSurrogate, gdpoAdvantages, k3Kl, logSigmoid, sampleWeights } from "./rl-objective.js";

const s = (novelty: number, feasibility: number, effectiveness: number): Scores => ({
  novelty,
  feasibility,
  effectiveness,
});

test("Dirichlet(1) weights lie on the simplex and cover it evenly (each coordinate's mean is 1/3)", () => {
  const rng = createRng(1);
  const mean = s(0, 0, 0);
  for (let i = 0; i < 3000; i++) {
    const w = sampleWeights(rng);
    assert.ok(Math.abs(w.novelty + w.feasibility + w.effectiveness - 1) < 1e-12);
    for (const d of ["novelty", "feasibility", "effectiveness"] as const) mean[d] += w[d] / 3000;
  }
  for (const v of Object.values(mean)) assert.ok(Math.abs(v - 1 / 3) < 0.02, `mean ${v}`);
});

test("GDPO: per-dimension normalisation, weighted sum, batch normalisation; zero-variance groups count and add nothing", () => {
  // Group 1: novelty separates the ideas, the other dimensions tie; all weight on novelty.
  const g1 = { rewards: [s(0.9, 0.5, 0.5), s(0.1, 0.5, 0.5)], weights: s(1, 0, 0) };
  // Group 2: feasibility separates them, but the weights ignore feasibility: no signal.
  const g2 = { rewards: [s(0.5, 0.9, 0.2), s(0.5, 0.1, 0.2)], weights: s(0, 0, 1) };
  const { advantages, zeroVariance } = gdpoAdvantages([g1, g2]);
  assert.equal(zeroVariance, 2 + 2, "g1: feasibility and effectiveness tie; g2: novelty and effectiveness tie");
  const [a, b] = advantages as [number[], number[]];
  assert.ok((a[0] as number) > 0 && (a[1] as number) < 0, "the more novel idea wins where novelty is asked for");
  assert.ok(Math.abs((b[0] as number) - (b[1] as number)) < 1e-9, "no preference where the weighted dimension ties");
  const all = advantages.flat();
  const mean = all.reduce((p, q) => p + q, 0) / all.length;
  const sd = Math.sqrt(all.reduce((p, q) => p + (q - mean) ** 2, 0) / all.length);
  assert.ok(Math.abs(mean) < 1e-9 && Math.abs(sd - 1) < 1e-4, "batch-normalised");
});

test("k3 KL is zero at ρ = 1, positive elsewhere, and its derivative matches finite differences", () => {
  assert.equal(k3Kl(-1.2, -1.2).kl, 0);
  for (const [lp, lr] of [
    [-2, -1],
    [-0.5, -3],
    [-1, -1.01],
  ] as const) {
    const { kl, dLogp } = k3Kl(lp, lr);
    assert.ok(kl > 0);
    const h = 1e-6;
    const numeric = (k3Kl(lp + h, lr).kl - k3Kl(lp - h, lr).kl) / (2 * h);
    assert.ok(Math.abs(numeric - dLogp) < 1e-5, `${numeric} vs ${dLogp}`);
  }
});

test("the clipped surrogate stops pushing once the ratio leaves [1-ε, 1+ε] in the advantage's direction", () => {
  const eps = 0.2;
  const inside = clippedSurrogate(Math.log(1.1), 0, 2, eps);
  assert.ok(Math.abs(inside.loss + 2.2) < 1e-12 && Math.abs(inside.dLogp + 2.2) < 1e-12);
  assert.equal(clippedSurrogate(Math.log(1.5), 0, 2, eps).dLogp, 0, "A > 0 and ρ > 1 + ε: clipped, no gradient");
  assert.equal(clippedSurrogate(Math.log(0.5), 0, -2, eps).dLogp, 0, "A < 0 and ρ < 1 − ε: clipped");
  assert.ok(clippedSurrogate(Math.log(0.5), 0, 2, eps).dLogp < 0, "A > 0 and ρ small: still pushed up");
});

test("log-sigmoid transform: concave, log 0.5 at the reference, stable for large inputs", () => {
  assert.ok(Math.abs(logSigmoid(0.7, 0.7) - Math.log(0.5)) < 1e-12);
  assert.ok(Number.isFinite(logSigmoid(-800, 0)) && logSigmoid(800, 0) === 0);
  const a = logSigmoid(0.2, 0.5);
  const b = logSigmoid(0.5, 0.5);
  const c = logSigmoid(0.8, 0.5);
  assert.ok(b - a > c - b, "gains shrink as the reward grows: concave");
});

test("GDPO centred: an idea that raises every dimension alike earns nothing; lowering an unasked dimension earns", () => {
  const w = s(0, 1, 0);
  // Idea 0 raises all three; idea 1 keeps feasibility and lowers the other two; idea 2 is the group's middle.
  const rewards = [s(0.9, 0.9, 0.9), s(0.1, 0.9, 0.1), s(0.5, 0.1, 0.5)];
  const weighted = gdpoAdvantages([{ rewards, weights: w }]).advantages[0] as number[];
  const centred = gdpoAdvantages([{ rewards, weights: w }], 1e-6, "centred").advantages[0] as number[];
  assert.ok(Math.abs((weighted[0] as number) - (weighted[1] as number)) < 1e-9, "w · Â: both equal on feasibility");
  assert.ok((centred[1] as number) > (centred[0] as number) + 0.5, "(w − w̄) · Â: the one that lowered N and E wins");
});
