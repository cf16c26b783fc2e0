import assert from "node:assert/strict";
import { cpSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { CorruptFileError, silentLogger } from "../core/index.js";
import { ranks } from "../datasets/index.js";
import { DIMENSIONS, type Dimension, type Scores } from "../idea/index.js";
import { tempDir } from "../testing/index.js";
import {
  fitEnsemble,
  fitVocabulary,
  type LabelledPaper,
  loadRewardModel,
  saveEnsembleRewardModel,
  saveTfidfRewardModel,
  TfidfRewardConfig,
  tfidfTerms,
} from "./index.js";

// Two real TF-IDF models with hand-set heads: one reads "quantum" as good, the other "garden".
function writeOneWordModel(dir: string, name: string, word: string): string {
  const vocabulary = fitVocabulary(["quantum", "garden"], { maxFeatures: 100, minDf: 1, bigrams: false });
  const at = vocabulary.terms.indexOf(tfidfTerms(word, false)[0] as string);
  const head = {
    alpha: 1,
    standardize: false,
    auxiliary: 0,
    auxiliaryOnly: 0,
    bias: 0,
    weights: Float32Array.from(vocabulary.terms, (_, i) => (i === at ? 1 : 0)),
    reference: Float64Array.from([0, 0.25, 0.5, 0.75, 1]),
  };
  const out = join(dir, name);
  mkdirSync(out);
  saveTfidfRewardModel(out, {
    name,
    config: TfidfRewardConfig.parse({}),
    vocabulary,
    heads: { novelty: head, feasibility: head, effectiveness: head },
    provenance: { dataset: "test", command: "test", createdAt: "2026-12-05" },
    metrics: {},
  });
  return out;
}

const spearman = (a: readonly number[], b: readonly number[]) => {
  const [ra, rb] = [ranks([...a]), ranks([...b])];
  const m = (ra.length + 1) / 2;
  let num = 0;
  let da = 0;
  let db = 0;
  ra.forEach((x, i) => {
    const y = rb[i] as number;
    num += (x - m) * (y - m);
    da += (x - m) ** 2;
    db += (y - m) ** 2;
  });
  return num / Math.sqrt(da * db);
};

test("an ensemble takes the member that ranks validation papers better, and loads from a moved folder", async (t) => {
  const dir = tempDir(t);
  const good = writeOneWordModel(dir, "quantum-model", "quantum");
  const bad = writeOneWordModel(dir, "garden-model", "garden");
  // Labels rise with "quantum" and fall with "garden".
  const papers: LabelledPaper[] = Array.from({ length: 40 }, (_, i) => {
    const q = (i % 5) + 1;
    const g = Math.floor(i / 5) + 1;
    return { text: `${"quantum ".repeat(q)}${"garden ".repeat(g)}`, label: q - g, group: "V 2024" };
  });
  const val = Object.fromEntries(DIMENSIONS.map((d) => [d, papers])) as Record<Dimension, LabelledPaper[]>;
  const members = [bad, good].map((m) => ({ dir: m, model: loadRewardModel(m) }));
  const r = await fitEnsemble(members, val, {
    outDir: join(dir, "ensemble"),
    name: "ens",
    withinSpearman: spearman,
    provenance: {},
    log: silentLogger,
  });
  for (const d of DIMENSIONS) assert.equal(r.shares[d], 0, `${d}: the garden model (first member) gets no share`);

  // Members are named relative to the ensemble: the three folders move together.
  const moved = tempDir(t);
  cpSync(dir, moved, { recursive: true });
  const ensemble = loadRewardModel(join(moved, "ensemble"));
  assert.equal(ensemble.name, "ens");
  const [quantum, garden] = (await ensemble.score(["quantum quantum garden", "garden garden quantum"])) as [
    Scores,
    Scores,
  ];
  for (const d of DIMENSIONS) {
    assert.ok(quantum[d] > garden[d], d);
    assert.ok(quantum[d] > 0 && quantum[d] < 1);
  }
});

test("ensembles nest (a pair inside a mix), and one that names itself among its members is refused, not recursed", async (t) => {
  const dir = tempDir(t);
  writeOneWordModel(dir, "quantum-model", "quantum");
  const reference = Object.fromEntries(DIMENSIONS.map((d) => [d, [0, 0.5, 1]])) as Record<Dimension, number[]>;
  const all = (w: number): Scores => ({ novelty: w, feasibility: w, effectiveness: w });
  const ensemble = (name: string, members: string[]) => {
    const out = join(dir, name);
    mkdirSync(out, { recursive: true });
    saveEnsembleRewardModel(out, {
      name,
      members: members.map((m) => ({ dir: m, weights: all(1 / members.length) })),
      reference,
      provenance: {},
      metrics: {},
    });
    return out;
  };
  ensemble("pair", ["../quantum-model", "../quantum-model"]);
  const outer = ensemble("outer", ["../pair", "../quantum-model"]);
  const [hi, lo] = (await loadRewardModel(outer).score(["quantum quantum quantum", "garden"])) as [Scores, Scores];
  for (const d of DIMENSIONS) assert.ok(hi[d] > lo[d], `${d}: the nested ensemble reads its members`);

  // A cycle, directly or through another ensemble, is a corrupt file with the path it took.
  const self = ensemble("self", ["."]);
  assert.throws(() => loadRewardModel(self), CorruptFileError);
  ensemble("a", ["../b"]);
  ensemble("b", ["../a"]);
  assert.throws(
    () => loadRewardModel(join(dir, "a")),
    (e: Error) => e instanceof CorruptFileError && /names itself/.test(e.message) && /a -> .*b -> .*a/.test(e.message),
  );
});
