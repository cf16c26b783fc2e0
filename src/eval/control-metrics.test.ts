import assert from "node:assert/strict";
import { test } from "node:test";
import { createRng } from "../core/index.js";
import { DIMENSIONS, type Scores } from "../idea/index.js";
import {
  controllability,
  controllabilityCeiling,
  controllabilityWithinPaper,
  gridMeans,
  hypervolume3d,
  paretoFront,
  simplexGrid,
} from "./control-metrics.js";

const s = (novelty: number, feasibility: number, effectiveness: number): Scores => ({
  novelty,
  feasibility,
  effectiveness,
});
const ZERO = s(0, 0, 0);

test("the grid is the 15 quarter-step points of the simplex, corners included", () => {
  const g = simplexGrid();
  assert.equal(g.length, 15);
  assert.equal(new Set(g.map((w) => DIMENSIONS.map((d) => w[d]).join())).size, 15);
  for (const w of g) assert.ok(Math.abs(w.novelty + w.feasibility + w.effectiveness - 1) < 1e-12);
  for (const corner of [s(1, 0, 0), s(0, 1, 0), s(0, 0, 1)])
    assert.ok(g.some((w) => DIMENSIONS.every((d) => w[d] === corner[d])));
});

test("exact 3-D hypervolume: one box, two overlapping boxes, dominated points add nothing, Monte Carlo agrees", () => {
  assert.ok(Math.abs(hypervolume3d([s(0.5, 0.4, 0.2)], ZERO) - 0.04) < 1e-12);
  // Two boxes overlapping in [0, 0.5] x [0, 0.5] x [0, 0.5]: 0.5 + 0.5 - 0.125.
  const two = [s(1, 0.5, 1), s(0.5, 1, 0.5)];
  assert.ok(Math.abs(hypervolume3d(two, ZERO) - (0.5 + 0.25 - 0.125)) < 1e-12);
  assert.equal(hypervolume3d([...two, s(0.4, 0.4, 0.4)], ZERO), hypervolume3d(two, ZERO));
  const rng = createRng(3);
  const pts = Array.from({ length: 8 }, () => s(rng.next(), rng.next(), rng.next()));
  let inside = 0;
  const n = 200_000;
  for (let i = 0; i < n; i++) {
    const q = s(rng.next(), rng.next(), rng.next());
    if (pts.some((p) => DIMENSIONS.every((d) => q[d] <= p[d]))) inside++;
  }
  assert.ok(Math.abs(hypervolume3d(pts, ZERO) - inside / n) < 0.01);
  assert.equal(hypervolume3d(pts, s(1, 1, 1)), 0, "nothing above the reference point");
});

test("the Pareto front keeps non-dominated points once; controllability is 0 for a system that ignores weights", () => {
  const front = paretoFront([s(1, 0, 0), s(0, 1, 0), s(0.5, 0.5, 0), s(0.4, 0.4, 0), s(1, 0, 0)]);
  assert.equal(front.length, 3);
  const grid = simplexGrid();
  const rng = createRng(9);
  const obeys = grid.flatMap((w, i) => [0, 1].map((p) => ({ paper: p + i, weights: w, scores: w })));
  const ignores = grid.flatMap((w) => [0, 1].map((p) => ({ paper: p, weights: w, scores: s(0.5, 0.5, 0.5) })));
  const noisy = grid.flatMap((w) =>
    Array.from({ length: 20 }, (_, p) => ({
      paper: p,
      weights: w,
      scores: s(w.novelty + rng.next(), rng.next(), rng.next()),
    })),
  );
  assert.deepEqual(controllability(obeys), s(1, 1, 1));
  assert.deepEqual(controllability(ignores), s(0, 0, 0));
  const c = controllability(noisy);
  assert.ok(c.novelty > 0.3 && Math.abs(c.feasibility) < 0.15, JSON.stringify(c));
  assert.deepEqual(gridMeans(obeys, grid), grid);
});

test("within paper: a small effect of the weights that the spread between papers hides shows once each paper's mean is removed", () => {
  const grid = simplexGrid();
  // 30 papers whose base scores spread over 0.1-0.9, each idea moved by only 0.05 · w_k, plus a little noise.
  const rng = createRng(4);
  const base = Array.from({ length: 30 }, () => 0.1 + 0.8 * rng.next());
  const samples = base.flatMap((b, p) =>
    grid.map((w) => {
      const scores = Object.fromEntries(DIMENSIONS.map((d) => [d, b + 0.05 * w[d] + 0.005 * rng.normal()])) as Scores;
      return { paper: p, weights: w, scores };
    }),
  );
  const plain = controllability(samples);
  const within = controllabilityWithinPaper(samples);
  for (const d of DIMENSIONS) {
    assert.ok(plain[d] < 0.3, `${d}: the spread between papers hides the effect (${plain[d]})`);
    assert.ok(within[d] > 0.9, `${d}: within paper the weights order the scores (${within[d]})`);
  }
  // A system that ignores the weights stays at 0 within paper too.
  const ignores = base.flatMap((b, p) => grid.map((w) => ({ paper: p, weights: w, scores: s(b, b, b) })));
  assert.deepEqual(controllabilityWithinPaper(ignores), s(0, 0, 0));
});

test("the ceiling bounds every dimension's controllability at once, and scores that move as one hold it at 0.5", () => {
  const grid = simplexGrid();
  const rng = createRng(11);
  // Scores that mix the requested weight, a quality shared by all three dimensions, and noise, in random amounts.
  for (let trial = 0; trial < 300; trial++) {
    const own = rng.next() * 3;
    const shared = rng.next() * 3;
    const noise = rng.next();
    const samples = grid.flatMap((w) =>
      Array.from({ length: 6 }, (_, p) => {
        const q = shared * (w.novelty + w.feasibility * rng.next() + rng.next());
        const score = (d: (typeof DIMENSIONS)[number]) => own * w[d] + q + noise * rng.next();
        return { paper: p, weights: w, scores: s(score("novelty"), score("feasibility"), score("effectiveness")) };
      }),
    );
    const c = controllability(samples);
    const { ceiling } = controllabilityCeiling(samples);
    assert.ok(Math.min(...DIMENSIONS.map((d) => c[d])) <= ceiling + 1e-9, `trial ${trial}: ${ceiling}`);
  }
  // Novelty and feasibility scored alike: that pair's score Spearman is 1 and its ceiling ½ √(2 (1 + γ)).
  const alike = grid.map((w, p) => ({ paper: p, weights: w, scores: s(w.effectiveness, w.effectiveness, w.novelty) }));
  const nf = controllabilityCeiling(alike).pairs.find((x) => x.pair.join() === "novelty,feasibility");
  assert.ok(nf && Math.abs(nf.scoreRho - 1) < 1e-12);
  assert.ok(Math.abs(nf.weightRho + 0.5) < 0.05, `grid weights: Spearman ${nf.weightRho}`);
  assert.ok(Math.abs(nf.ceiling - Math.sqrt(2 * (1 + nf.weightRho)) / 2) < 1e-12);
  assert.ok(nf.ceiling < 0.55);
  assert.equal(controllabilityCeiling(alike).ceiling, nf.ceiling, "the tightest pair caps all three");
  // Scores that follow the weights exactly leave room for a perfect score on every dimension.
  const exact = grid.map((w, p) => ({ paper: p, weights: w, scores: w }));
  assert.ok(controllabilityCeiling(exact).ceiling > 0.999);
});
