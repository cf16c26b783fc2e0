import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { silentLogger } from "../core/index.js";
import { DIMENSIONS, type Scores } from "../idea/index.js";
import type { RewardModel } from "../reward/index.js";
import { tempDir } from "../testing/index.js";
import { type ControlSystem, evalControl } from "./index.js";

// Candidate j of every paper leans towards dimension j; a scorer that reads the lean. The subject is the choice.
const LEANS = ["a novel idea", "a feasible idea", "an effective idea"];
const leanScorer: RewardModel = {
  name: "lean",
  dimensions: DIMENSIONS,
  score: async (texts) =>
    texts.map((t) => {
      const lean = LEANS.findIndex((l) => t.startsWith(l));
      return Object.fromEntries(DIMENSIONS.map((d, k) => [d, k === lean ? 0.9 : 0.3])) as Scores;
    }),
};

test("top of K: a weight-blind system's candidates are generated once per paper and the weights choose among them", async (t) => {
  const dir = tempDir(t);
  let calls = 0;
  const blind = (name: string, topOf?: number): ControlSystem => ({
    name,
    steers: false,
    ...(topOf ? { topOf } : {}),
    generate: async (paper, _w, seed) => {
      calls++;
      return `${LEANS[Math.floor(seed / 10_000_000) % 3]} for ${paper.title}`;
    },
  });
  const papers = Array.from({ length: 6 }, (_, i) => ({ title: `Paper ${i}`, abstract: "An abstract." }));
  const { results, reportPath } = await evalControl({
    systems: [blind("plain"), blind("top-of-3", 3)],
    evaluators: [{ name: "lean (training)", model: leanScorer, independent: false }],
    papers,
    ideasPerPoint: 1,
    reference: { novelty: 0, feasibility: 0, effectiveness: 0 },
    resamples: 50,
    seed: 1,
    outDir: dir,
    reportName: "top-of-k",
    command: "test",
    log: silentLogger,
    progress: false,
  });
  assert.equal(calls, 6 + 6 * 3, "one idea per paper for plain, three candidates per paper for top-of-3");
  const [plain, top] = results.map((r) => r.byEvaluator[0]?.controllability as Scores);
  for (const d of DIMENSIONS) {
    assert.equal(plain?.[d], 0, `${d}: the same idea at every grid point`);
    assert.ok((top?.[d] ?? 0) > 0.5, `${d}: the weights pick the candidate that leans their way (${top?.[d]})`);
  }
  assert.match(readFileSync(reportPath, "utf8"), /\*\*Top of K\*\* \(top-of-3: K = 3\)/);
});
