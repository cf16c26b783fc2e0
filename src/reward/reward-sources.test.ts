import assert from "node:assert/strict";
import { mkdirSync, realpathSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { CorruptFileError } from "../core/index.js";
import { tempDir } from "../testing/index.js";
import { rewardSources, sharedSources } from "./index.js";

const leaf = (dir: string) => {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "model.json"), JSON.stringify({ format: "ideasteer-tfidf-ridge" }));
  return realpathSync(dir); // sources are real paths (a symlinked temp folder names the same model)
};
const w = (n: number, f: number, e: number) => ({ novelty: n, feasibility: f, effectiveness: e });
const ensemble = (dir: string, members: { dir: string; weights: ReturnType<typeof w> }[]) => {
  mkdirSync(dir, { recursive: true });
  const reference = { novelty: [0.5], feasibility: [0.5], effectiveness: [0.5] };
  const file = {
    format: "ideasteer-reward-ensemble",
    version: 1,
    name: "e",
    members,
    reference,
    provenance: {},
    metrics: {},
  };
  writeFileSync(join(dir, "model.json"), JSON.stringify(file));
  return dir;
};

test("rewardSources: an ensemble reads each dimension from the members weighted on it, through nested ensembles", (t) => {
  const root = tempDir(t);
  const a = leaf(join(root, "a"));
  const b = leaf(join(root, "b"));
  // "per-dimension": novelty from a, feasibility and effectiveness from b (named relative to the ensemble).
  const perDim = ensemble(join(root, "per-dim"), [
    { dir: "../a", weights: w(1, 0, 0) },
    { dir: "../b", weights: w(0, 1, 1) },
  ]);
  const outer = ensemble(join(root, "outer"), [{ dir: perDim, weights: w(0, 0, 1) }]);
  assert.deepEqual(rewardSources(perDim), { novelty: [a], feasibility: [b], effectiveness: [b] });
  assert.deepEqual(rewardSources(outer), { novelty: [], feasibility: [], effectiveness: [b] });
  // b alone shares feasibility and effectiveness with per-dim, a only novelty; the outer ensemble, effectiveness.
  assert.deepEqual(sharedSources(perDim, b), { feasibility: [b], effectiveness: [b] });
  assert.deepEqual(sharedSources(perDim, a), { novelty: [a] });
  assert.deepEqual(sharedSources(outer, a), {});
});

test("rewardSources refuses ensembles that name themselves instead of recursing forever", (t) => {
  const root = tempDir(t);
  const loop = ensemble(join(root, "loop"), [{ dir: ".", weights: w(1, 1, 1) }]);
  assert.throws(() => rewardSources(loop), CorruptFileError);
});
