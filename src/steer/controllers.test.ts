import assert from "node:assert/strict";
import { join } from "node:path";
import { test } from "node:test";
import { readGguf } from "../engine/index.js";
import { DIMENSIONS } from "../idea/index.js";
import { openTinyLlama, tempDir, writeRandomLlamaModel } from "../testing/index.js";
import {
  type ControllerSet,
  centerControllers,
  extractController,
  extractPartialControllers,
  readControlVectorGguf,
  staticSteering,
  writeControlVectorGguf,
} from "./index.js";

const HIGH = ["A bold and unprecedented idea.", "An unprecedented bold method.", "Bold, new, unprecedented."];
const LOW = ["A plain incremental tweak.", "An incremental and plain change.", "Plain, small, incremental."];

const dot = (a: Float32Array, b: Float32Array) => a.reduce((s, x, j) => s + x * (b[j] as number), 0);
const meanOverTokens = (h: Float32Array, d: number) => {
  const out = new Float32Array(d);
  const n = h.length / d;
  for (let t = 0; t < n; t++) for (let j = 0; j < d; j++) out[j] = (out[j] as number) + (h[t * d + j] as number) / n;
  return out;
};

test("a contrast controller steers the model's hidden states toward the high examples and round-trips as a control-vector GGUF", async (t) => {
  const dir = tempDir(t);
  const llm = await openTinyLlama(join(dir, "m.gguf"), { seed: 4, contextSize: 256, config: { nLayers: 3 } });
  t.after(() => llm.close());
  const { layers, separation } = await extractController(llm, { high: HIGH, low: LOW });
  const { nLayers, nEmbd } = llm.info;
  assert.equal(layers[0], undefined, "layer 0 is not steered");
  for (let il = 1; il < nLayers; il++) {
    assert.equal(layers[il]?.length, nEmbd);
    assert.ok((separation[il] as number) > 0);
  }

  // Steering a neutral text moves its last layer's mean hidden state toward the high examples, away from the low
  // ones (measured on the examples' own means, so a controller pointing the wrong way fails).
  const last = nLayers - 1;
  const sideMean = async (texts: string[]) => {
    const m = new Float32Array(nEmbd);
    for (const x of texts) {
      const h = meanOverTokens((await llm.captureHiddenStates(x))[last] as Float32Array, nEmbd);
      for (let j = 0; j < nEmbd; j++) m[j] = (m[j] as number) + (h[j] as number) / texts.length;
    }
    return m;
  };
  const [mHigh, mLow] = [await sideMean(HIGH), await sideMean(LOW)];
  const towardHigh = mHigh.map((x, j) => x - (mLow[j] as number));
  const neutral = "A method for something.";
  const before = dot(meanOverTokens((await llm.captureHiddenStates(neutral))[last] as Float32Array, nEmbd), towardHigh);
  llm.setControlVector(layers, 0.5);
  const after = dot(meanOverTokens((await llm.captureHiddenStates(neutral))[last] as Float32Array, nEmbd), towardHigh);
  llm.clearControlVector();
  assert.ok(
    after > before,
    `the neutral text moved toward the high examples (${before.toFixed(3)} -> ${after.toFixed(3)})`,
  );

  const file = join(dir, "novelty.gguf");
  writeControlVectorGguf(file, layers, { modelHint: "llama" });
  const md = readGguf(file).metadata;
  assert.equal(md["general.architecture"]?.value, "controlvector");
  assert.equal(Number(md["controlvector.layer_count"]?.value), nLayers - 1);
  const back = readControlVectorGguf(file);
  for (let il = 1; il < nLayers; il++) assert.deepEqual(back[il], layers[il]);
  assert.throws(() => writeControlVectorGguf(file, [new Float32Array(nEmbd)], { modelHint: "llama" }), /layer 0/);
  const model = join(dir, "not-a-cv.gguf");
  writeRandomLlamaModel(model, {
    config: {
      ...llm.info,
      dModel: 32,
      nLayers: 1,
      nHeads: 4,
      nKvHeads: 2,
      dFf: 64,
      contextLength: 64,
      ropeTheta: 10000,
      normEps: 1e-5,
      tiedEmbeddings: false,
    },
    seed: 1,
  });
  assert.throws(() => readControlVectorGguf(model), /not a control-vector GGUF/);
});

test("centred controllers: equal weights steer nothing, weight 1 applies its own direction in full, weight 0 steers away", () => {
  const rng = (i: number) => Math.sin(i * 12.9898) * 0.5;
  const raw = DIMENSIONS.map((_, k) => [undefined, Float32Array.from({ length: 6 }, (_, j) => rng(10 * k + j + 1))]);
  const centred = centerControllers(raw);
  const set = {
    vectors: Object.fromEntries(DIMENSIONS.map((d, k) => [d, centred[k] ?? []])) as unknown as ControllerSet["vectors"],
    epsMax: 1,
    dir: "",
  };
  const applied = (w: [number, number, number]) =>
    staticSteering(set, { novelty: w[0], feasibility: w[1], effectiveness: w[2] }).vector[1] as Float32Array;
  for (const x of applied([1 / 3, 1 / 3, 1 / 3])) assert.ok(Math.abs(x) < 1e-6, "equal weights: no steering");
  // Weight 1 on novelty: v_novelty − ½ (v_feasibility + v_effectiveness).
  const [vn, vf, ve] = raw.map((v) => v[1] as Float32Array);
  const full = applied([1, 0, 0]);
  for (let j = 0; j < full.length; j++)
    assert.ok(Math.abs((full[j] as number) - ((vn?.[j] ?? 0) - 0.5 * ((vf?.[j] ?? 0) + (ve?.[j] ?? 0)))) < 1e-6);
  assert.equal(centred[0]?.[0], undefined, "layer 0 stays unsteered");
});

test("partial controllers: feasibility's direction holds novelty still where a contrast of feasibility carries novelty along", async (t) => {
  const dir = tempDir(t);
  const llm = await openTinyLlama(join(dir, "m.gguf"), { seed: 7, contextSize: 256, config: { nLayers: 3 } });
  t.after(() => llm.close());
  // Two factors in the text: a bold or plain style (novelty) and a graph or image subject (feasibility). The sample
  // pairs bold with graph far more often than not, so the two scores correlate as the reward models' scores do.
  const text = (bold: boolean, graph: boolean, i: number) =>
    `${bold ? "A bold unprecedented" : "A plain incremental"} method ${i} for ${graph ? "graph networks and edges" : "image pixels and vision"}.`;
  const cells: [boolean, boolean, number][] = [
    [true, true, 6],
    [false, false, 6],
    [true, false, 2],
    [false, true, 2],
  ];
  const ideas = cells.flatMap(([bold, graph, n]) =>
    Array.from({ length: n }, (_, i) => ({
      text: text(bold, graph, i),
      targets: [bold ? 1 : 0, graph ? 1 : 0, Math.sin(7 * i + (bold ? 1 : 0) + (graph ? 2 : 0))],
    })),
  );
  const { nEmbd } = llm.info;
  const last = llm.info.nLayers - 1;
  const cellMean = async (bold: boolean, graph: boolean) => {
    const m = new Float64Array(nEmbd);
    for (let i = 0; i < 4; i++) {
      const h = meanOverTokens((await llm.captureHiddenStates(text(bold, graph, 10 + i)))[last] as Float32Array, nEmbd);
      for (let j = 0; j < nEmbd; j++) m[j] = (m[j] as number) + (h[j] as number) / 4;
    }
    return m;
  };
  // Feasibility's own direction: graph minus image within each style, averaged (measured on other texts).
  const [bg, bi, pg, pi] = [
    await cellMean(true, true),
    await cellMean(true, false),
    await cellMean(false, true),
    await cellMean(false, false),
  ];
  const pure = Float32Array.from(bg, (x, j) => (x - (bi[j] as number) + (pg[j] as number) - (pi[j] as number)) / 2);
  const cosine = (a: Float32Array, b: Float32Array) => dot(a, b) / Math.sqrt(dot(a, a) * dot(b, b));

  const partial = await extractPartialControllers(llm, ideas);
  const feasible = ideas.filter((x) => x.targets[1] === 1).map((x) => x.text);
  const infeasible = ideas.filter((x) => x.targets[1] === 0).map((x) => x.text);
  const contrast = await extractController(llm, { high: feasible, low: infeasible });
  const partialCos = cosine(partial[1]?.layers[last] as Float32Array, pure);
  const contrastCos = cosine(contrast.layers[last] as Float32Array, pure);
  assert.ok(
    partialCos > 0.8,
    `partial feasibility points along feasibility's own direction (cosine ${partialCos.toFixed(3)})`,
  );
  assert.ok(
    partialCos > contrastCos + 0.1,
    `and closer than the contrast, which carries the correlated style (${partialCos.toFixed(3)} vs ${contrastCos.toFixed(3)})`,
  );
  assert.equal(partial[1]?.layers[0], undefined, "layer 0 stays unsteered");
  await assert.rejects(() => extractPartialControllers(llm, ideas.slice(0, 5)), /at least 8/);
  const flat = ideas.map((x) => ({ ...x, targets: [x.targets[0] as number, 0.5, x.targets[2] as number] }));
  await assert.rejects(() => extractPartialControllers(llm, flat), /feasibility: every idea has the same score/);
});
