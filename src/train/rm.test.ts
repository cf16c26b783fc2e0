import assert from "node:assert/strict";
import { mkdirSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { silentLogger } from "../core/index.js";
import { withinGroupSpearman } from "../eval/index.js";
import { DIMENSIONS, type Dimension } from "../idea/index.js";
import {
  composePerDimension,
  type LabelledPaper,
  loadRewardModel,
  loadTransformerRewardModel,
  predictRaw,
} from "../reward/index.js";
import { resumeVersusWhole, tempDir, writeTinyBaseModel } from "../testing/index.js";
import {
  pairwiseRankTerm,
  type RmBatch,
  type RmValidationScore,
  readRmPapers,
  resolveRmConfig,
  rmStage,
  sentencePrefix,
  trainRm,
  withRmSchedule,
} from "./index.js";

const WORDS: Record<Dimension, string> = { novelty: "unprecedented", feasibility: "simple", effectiveness: "strong" };
const score: RmValidationScore = (_d, pred, label, groups) =>
  withinGroupSpearman(pred, label, groups, { minGroupSize: 5 });

/** Reviewed "papers" whose labels follow a word in their text, in two venue-years with different label scales. */
function writeRmDataset(dir: string, papers: number): string {
  mkdirSync(dir, { recursive: true });
  const rows: Record<string, string[]> = {};
  for (let i = 0; i < papers; i++) {
    const split = i % 5 === 0 ? "val" : "train";
    const venue = i % 2 === 0 ? "A" : "B";
    const has = DIMENSIONS.map((_, k) => (i >> k) % 2 === 1);
    const words = DIMENSIONS.filter((_, k) => has[k]).map((d) => WORDS[d]);
    const text = [
      `Title: Study ${i} of ${words.join(" and ") || "nothing"}`,
      `Method: A ${words.join(", ") || "plain"} method. It works in setting ${i % 7}.`,
      "Experiment Plan:",
      "- Dataset Preparation: Collect data.",
      "- Baseline Implementation: Compare with prior work.",
      "- Evaluation Procedure: Report accuracy.",
    ].join("\n");
    DIMENSIONS.forEach((d, k) => {
      const base = venue === "A" ? 0.2 : 0.5; // venue B reviews more generously: standardisation removes it
      const label = Math.min(1, base + (has[k] ? 0.4 : 0) + ((i * 37) % 10) / 100);
      const row = {
        id: `r${i}${d}`,
        paperId: `p${i}`,
        venue,
        year: 2024,
        dimension: d,
        label,
        reviewers: 3,
        fields: [],
        text,
        textSource: "golden-idea",
      };
      const key = `rm.${d}.${split}.jsonl`;
      rows[key] = [...(rows[key] ?? []), JSON.stringify(row)];
    });
  }
  for (const d of DIMENSIONS)
    for (const s of ["train", "val", "test"])
      writeFileSync(join(dir, `rm.${d}.${s}.jsonl`), (rows[`rm.${d}.${s}.jsonl`] ?? []).join("\n"));
  return dir;
}

test("a sentence prefix keeps the idea's layout up to its k-th sentence", () => {
  const text = "Title: A study\nMethod: First sentence. Second one.\nExperiment Plan:\n- Dataset Preparation: Data.";
  assert.equal(sentencePrefix(text, 1), "Title: A study");
  assert.equal(sentencePrefix(text, 2), "Title: A study\nMethod: First sentence.");
  assert.equal(sentencePrefix(text, 99), text);
});

test("train rm learns the labels' ranking on held-out papers, resumes exactly, and exports a reward model that scores prefixes", async (t) => {
  const dir = tempDir(t);
  const { modelDir } = await writeTinyBaseModel(join(dir, "base"));
  const dataset = writeRmDataset(join(dir, "dataset"), 80);
  const cfg = withRmSchedule(
    resolveRmConfig({
      init: modelDir,
      dataset,
      maxTokens: 64,
      batchSize: 8,
      epochs: 6,
      lr: 3e-3,
      minLr: 3e-4,
      warmupSteps: 4,
      earlyStoppingPatience: 0,
    }),
    8,
  );
  assert.equal(cfg.maxSteps, 48);
  assert.equal(cfg.evalEvery, 4);

  // Uninterrupted, and stopped at step 10 then resumed: the same weights, no step trained twice.
  const r = await resumeVersusWhole(() => rmStage({ home: dir, validationScore: score }), {
    config: cfg,
    root: dir,
    stopAt: 10,
  });
  assert.deepEqual(r.steps, [...Array(48).keys()], "each step once, in order");
  for (const [k, w] of r.whole) assert.deepEqual(r.resumed.get(k)?.data, w.data, `${k} equals the uninterrupted run's`);
  const spearman = r.lastEval["rm/val_spearman"] as number;
  assert.ok(spearman > 0.5, `val Spearman within venue-year ${spearman}`);

  // The exported folder is a RewardModel: whole ideas and their prefixes score in [0, 1].
  const out = join(dir, "rm-model");
  await trainRm({
    config: resolveRmConfig({ ...cfg, epochs: 2 }),
    home: dir,
    out,
    validationScore: score,
    command: "test",
    log: silentLogger,
  });
  const model = loadRewardModel(out);
  const good = "Title: Study of unprecedented and simple and strong\nMethod: A unprecedented, simple, strong method.";
  const [full, prefix] = await model.score([good, sentencePrefix(good, 1)]);
  for (const s of [full, prefix]) for (const d of DIMENSIONS) assert.ok((s?.[d] ?? -1) >= 0 && (s?.[d] ?? 2) <= 1);

  // Exported at f16: half the backbone, and the percentile map read from the rounded weights it ships.
  const out16 = join(dir, "rm-model-f16");
  await trainRm({
    config: resolveRmConfig({ ...cfg, epochs: 2, exportType: "f16" }),
    home: dir,
    out: out16,
    validationScore: score,
    command: "test",
    log: silentLogger,
  });
  const bytes = (d: string) => statSync(join(d, "backbone.gguf")).size;
  assert.ok(bytes(out16) < 0.6 * bytes(out), `f16 backbone ${bytes(out16)} B against f32 ${bytes(out)} B`);
  const half = loadTransformerRewardModel(out16);
  const { model: net, tokenizer, heads } = half.network;
  const val = readRmPapers(dataset, "val", false).map((p) => p.text);
  const raw = predictRaw(net, tokenizer, heads, val, { maxTokens: half.file.maxTokens });
  DIMENSIONS.forEach((d, k) => {
    const mine = val.map((_, i) => raw[i * DIMENSIONS.length + k] as number).sort((a, b) => a - b);
    assert.deepEqual(half.file.reference[d], mine, `${d}: the reference is the shipped weights' val scores`);
  });
});

test("a model per dimension reads only its own labels, scores the others 0.5, and three compose into one", async (t) => {
  const dir = tempDir(t);
  const { modelDir } = await writeTinyBaseModel(join(dir, "base"));
  const dataset = writeRmDataset(join(dir, "dataset"), 80);
  // Every paper has all three labels; a feasibility model sees only the feasibility ones.
  const papers = readRmPapers(dataset, "train", true, ["feasibility"]);
  assert.ok(papers.length > 0);
  for (const p of papers) assert.deepEqual([...p.labels].map(Number.isNaN), [true, false, true]);

  const base = { init: modelDir, dataset, maxTokens: 48, batchSize: 8, epochs: 2, lr: 3e-3, warmupSteps: 1 };
  const trained = async (name: string, dimensions: Dimension[]) => {
    const out = join(dir, name);
    await trainRm({
      config: resolveRmConfig({ ...base, dimensions }),
      home: dir,
      out,
      validationScore: score,
      command: "test",
      log: silentLogger,
    });
    return { dir: out, model: loadRewardModel(out) };
  };
  const feasibility = await trained("rm-feasibility", ["feasibility"]);
  const all = await trained("rm-all", [...DIMENSIONS]);
  assert.deepEqual(feasibility.model.dimensions, ["feasibility"]);
  assert.notEqual(feasibility.model.name, all.model.name, "score caches key on the name");
  const texts = Array.from(
    { length: 12 },
    (_, i) => `Title: Idea ${i}\nMethod: A ${Object.values(WORDS)[i % 3]} way ${i}.`,
  );
  const own = await feasibility.model.score(texts);
  for (const s of own) assert.deepEqual([s.novelty, s.effectiveness], [0.5, 0.5], "untrained heads say nothing");

  // Composed: feasibility from the feasibility model, novelty and effectiveness from the three-headed one.
  const val = Object.fromEntries(
    DIMENSIONS.map((d) => [d, texts.map((text, i): LabelledPaper => ({ text, label: i / 12, group: "A 2024" }))]),
  ) as Record<Dimension, LabelledPaper[]>;
  const outDir = join(dir, "rm-3");
  await composePerDimension([all, feasibility, all], val, {
    outDir,
    name: "rm-3",
    withinSpearman: (p, l, g) => withinGroupSpearman(p, l, g, { minGroupSize: 5 }),
    provenance: {},
    log: silentLogger,
  });
  const composed = await loadRewardModel(outDir).score(texts);
  const whole = await all.model.score(texts);
  const order = (xs: number[]) => xs.map((x) => xs.filter((y) => y < x).length);
  assert.deepEqual(order(composed.map((s) => s.feasibility)), order(own.map((s) => s.feasibility)));
  assert.deepEqual(order(composed.map((s) => s.novelty)), order(whole.map((s) => s.novelty)));
  assert.notDeepEqual(order(composed.map((s) => s.feasibility)), order(whole.map((s) => s.feasibility)));
});

for (const pairwise of [0, 1])
  test(`the reward heads' hand-written backward matches finite differences, in the heads and deep in the backbone (pairwise term ${pairwise})`, async (t) => {
    const dir = tempDir(t);
    const { modelDir } = await writeTinyBaseModel(join(dir, "base"));
    const dataset = writeRmDataset(join(dir, "dataset"), 40);
    const cfg = resolveRmConfig({
      init: modelDir,
      dataset,
      maxTokens: 48,
      batchSize: 8,
      prefixAugment: 0,
      pairwise,
      pairMargin: 0,
    });
    let parts: Parameters<NonNullable<Parameters<typeof rmStage>[0]["onSetup"]>>[0] | undefined;
    await rmStage({ home: dir, validationScore: score, onSetup: (p) => (parts = p) }).setup(cfg, {
      runDir: dir,
      log: silentLogger,
    });
    if (!parts) throw new Error("no parts");
    const batch = parts.openData(undefined).next() as Awaited<ReturnType<ReturnType<typeof parts.openData>["next"]>>;
    assert.ok(
      pairwiseRankTerm(new Float32Array(batch.B * 3), batch, {
        weight: 1,
        margin: 0,
        gradScale: 1,
        dRaw: new Float32Array(batch.B * 3),
      }).pairs > 0,
    );
    parts.model.zeroGrad();
    parts.loss.lossAndGrad(batch, { gradScale: 1 });
    let checked = 0;
    for (const name of [
      "rm.heads.weight",
      "rm.heads.bias",
      "blk.0.attn_q.weight",
      "blk.1.ffn_down.weight",
      "token_embd.weight",
    ]) {
      const p = parts.model.params.get(name);
      if (!p) throw new Error(name);
      // The coordinates with the largest analytic gradients: float32 finite differences are meaningful there.
      const top = [...p.grad.keys()]
        .sort((i, j) => Math.abs(p.grad[j] as number) - Math.abs(p.grad[i] as number))
        .slice(0, 3);
      for (const i of top) {
        const saved = p.data[i] as number;
        const h = 1e-2 * Math.max(1, Math.abs(saved));
        p.data[i] = saved + h;
        const up = parts.loss.evalLoss(batch);
        p.data[i] = saved - h;
        const down = parts.loss.evalLoss(batch);
        p.data[i] = saved;
        const numeric = (up - down) / (2 * h);
        const analytic = p.grad[i] as number;
        assert.ok(
          Math.abs(numeric - analytic) <= 0.05 * Math.abs(analytic) + 1e-4,
          `${name}[${i}]: analytic ${analytic}, numeric ${numeric}`,
        );
        checked++;
      }
    }
    assert.equal(checked, 15);
  });

test("the pairwise ranking term compares papers of one venue-year whose targets differ by more than the margin", () => {
  // Four papers, one dimension labelled: two in venue-year A (targets 1 and 0), two in B (0.2 and 0).
  const batch: RmBatch = {
    tokens: new Int32Array(4),
    B: 4,
    T: 1,
    lengths: [1, 1, 1, 1],
    targets: new Float32Array([1, 0, 0, 0, 0, 0, 0.2, 0, 0, 0, 0, 0]),
    mask: new Float32Array([1, 0, 0, 1, 0, 0, 1, 0, 0, 1, 0, 0]),
    groups: ["A", "A", "B", "B"],
  };
  const at = (raw: number[], margin: number) => {
    const dRaw = new Float32Array(12);
    const r = pairwiseRankTerm(new Float32Array(raw.flatMap((x) => [x, 0, 0])), batch, {
      weight: 0.5,
      margin,
      gradScale: 1,
      dRaw,
    });
    return { ...r, dRaw: [0, 1, 2, 3].map((b) => dRaw[b * 3] as number) };
  };
  const wide = at([0, 0, 0, 0], 0.1); // B's pair (0.2 vs 0) counts; no pair across A and B
  assert.equal(wide.pairs, 2);
  assert.ok(Math.abs(wide.loss - 0.5 * 4 * Math.log(2)) < 1e-6, `${wide.loss}`);
  const narrow = at([0, 0, 0, 0], 0.5); // only A's pair: B's differ by 0.2
  assert.equal(narrow.pairs, 1);
  assert.deepEqual(narrow.dRaw.slice(2), [0, 0]);
  assert.ok((narrow.dRaw[0] as number) < 0 && (narrow.dRaw[1] as number) > 0, "pushes the better paper up");
  // Ordered right by a wide gap: almost no loss left; ordered wrong: the loss grows with the gap.
  assert.ok(at([10, 0, 0, 0], 0.5).loss < 1e-3);
  assert.ok(at([-10, 0, 0, 0], 0.5).loss > 0.5 * 4 * 9);
  assert.equal(
    pairwiseRankTerm(new Float32Array(12), batch, { weight: 0, margin: 0, gradScale: 1, dRaw: new Float32Array(12) })
      .pairs,
    0,
  );
});
