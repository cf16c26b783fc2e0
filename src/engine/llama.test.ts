import assert from "node:assert/strict";
import { test } from "node:test";
import { createRng } from "../core/index.js";
import { gradCheck } from "./grad-check.js";
import { createLlama, llamaForward, llamaFromWeights, llamaWeights, loadLlamaWeights, type Steering } from "./llama.js";
import type { LlamaConfig } from "./llama-config.js";
import { argmax, createDecoder } from "./llama-generate.js";
import { getNumThreads, setNumThreads } from "./native-kernels.js";
import { crossEntropy, linear, sum } from "./ops/index.js";
import { parameter, type Tensor, tensor } from "./tensor.js";

const tiny = (o: Partial<LlamaConfig> = {}): LlamaConfig => ({
  vocabSize: 11,
  dModel: 8,
  nLayers: 2,
  nHeads: 2,
  nKvHeads: 1,
  dFf: 12,
  contextLength: 8,
  ropeTheta: 10000,
  normEps: 1e-5,
  tiedEmbeddings: false,
  ...o,
});

function randomBatch(seed: number, V: number, B: number, T: number, masked = true) {
  const rng = createRng(seed);
  const tokens = Int32Array.from({ length: B * T }, () => rng.int(V));
  const targets = Int32Array.from({ length: B * T }, () => rng.int(V));
  const mask = masked ? Float32Array.from({ length: B * T }, (_, i) => (i % 3 === 0 ? 0 : 1)) : undefined;
  return { tokens, targets, mask, B, T };
}

/** Float64 copies of the model's weights as grad-requiring tensors, with weights scaled up so that gradients are
 * not all tiny (init std 0.02 would make most of them fall under the finite-difference noise floor). */
function float64Weights(model: ReturnType<typeof createLlama>): Map<string, Tensor> {
  const out = new Map<string, Tensor>();
  for (const [name, p] of model.params) {
    const data = Float64Array.from(p.data, (x) => (p.shape.length === 1 ? x : x * 20));
    out.set(name, parameter(data, p.shape, new Float64Array(data.length)));
  }
  return out;
}

for (const tied of [false, true]) {
  test(`llama (${tied ? "tied" : "untied"} head, GQA, steering): every weight's gradient matches finite differences in float64`, () => {
    const cfg = tiny({ tiedEmbeddings: tied });
    const model = createLlama(cfg, { seed: 3 });
    const w = float64Weights(model);
    const rng = createRng(4);
    const steer: Steering = [
      tensor(
        Float64Array.from({ length: 8 }, () => rng.normal() * 0.3),
        [8],
        { requiresGrad: true },
      ),
      undefined,
    ];
    const b = randomBatch(5, cfg.vocabSize, 2, 4);
    const mask = Float64Array.from(b.mask as Float32Array);
    const f = () =>
      crossEntropy(
        llamaForward(cfg, (n) => w.get(n)!, b.tokens, 2, 4, { steer }),
        b.targets,
        mask,
      );
    const inputs = [...w.values(), steer[0] as Tensor];
    const res = gradCheck(f, inputs, { rng, maxPerInput: 6 });
    // Tolerance 1e-5 relative (float64, h = 1e-5); a mis-wired gradient is off by > 1e-2.
    assert.ok(res.maxRelErr < 1e-5, `max relative error ${res.maxRelErr} (abs ${res.maxAbsErr}) over ${res.checked}`);
    assert.ok(res.checked >= inputs.length * 6 - 6);
  });
}

test("lossAndGrad (float32) agrees with the float64 graph and scales by gradScale", () => {
  const cfg = tiny();
  const model = createLlama(cfg, { seed: 7 });
  const b = randomBatch(8, cfg.vocabSize, 2, 5);
  const { loss, lossTokens } = model.lossAndGrad(b, { gradScale: 0.5 });
  assert.equal(lossTokens, 6); // mask keeps 2 of every 3 of 10 positions: indices 1,2,4,5,7,8
  const w = new Map<string, Tensor>();
  for (const [n, p] of model.params)
    w.set(n, parameter(Float64Array.from(p.data), p.shape, new Float64Array(p.data.length)));
  const l64 = crossEntropy(
    llamaForward(cfg, (n) => w.get(n)!, b.tokens, 2, 5),
    b.targets,
    Float64Array.from(b.mask!),
  );
  l64.backward(0.5);
  assert.ok(Math.abs(loss - l64.item()) < 1e-5 * Math.abs(l64.item()));
  for (const [n, p] of model.params) {
    const g64 = w.get(n)!.grad!;
    let maxDiff = 0;
    let maxAbs = 0;
    for (let i = 0; i < g64.length; i++) {
      maxDiff = Math.max(maxDiff, Math.abs((p.grad[i] as number) - (g64[i] as number)));
      maxAbs = Math.max(maxAbs, Math.abs(g64[i] as number));
    }
    assert.ok(maxDiff <= 1e-4 * maxAbs + 1e-7, `${n}: float32 grad differs by ${maxDiff} (max |g| ${maxAbs})`);
  }
  // Calling again accumulates: grads double.
  const before = Float32Array.from(model.params.get("blk.1.ffn_down.weight")!.grad);
  model.lossAndGrad(b, { gradScale: 0.5 });
  const after = model.params.get("blk.1.ffn_down.weight")!.grad;
  for (let i = 0; i < before.length; i += 7)
    assert.ok(Math.abs((after[i] as number) - 2 * (before[i] as number)) < 1e-6);
  model.zeroGrad();
  assert.ok(after.every((g) => g === 0));
});

test("same seed, same weights and same loss; different seed, different weights", () => {
  const cfg = tiny();
  const a = createLlama(cfg, { seed: 11 });
  const b = createLlama(cfg, { seed: 11 });
  const c = createLlama(cfg, { seed: 12 });
  for (const [n, p] of a.params) assert.deepEqual(p.data, b.params.get(n)!.data);
  assert.notDeepEqual(a.params.get("blk.0.attn_q.weight")!.data, c.params.get("blk.0.attn_q.weight")!.data);
  const batch = randomBatch(1, cfg.vocabSize, 3, 8, false);
  assert.equal(a.lossAndGrad(batch).loss, b.lossAndGrad(batch).loss);
  for (const [n, p] of a.params) assert.deepEqual(p.grad, b.params.get(n)!.grad);
  // Untrained, the loss per token is near ln(V).
  assert.ok(Math.abs(a.evalLoss(batch).loss / 24 - Math.log(11)) < 0.1);
});

test("parameters are named as GGUF and shaped [out][in]; weights round-trip and mismatches are refused", () => {
  const cfg = tiny({ tiedEmbeddings: true });
  const model = createLlama(cfg, { seed: 1 });
  const names = [...model.params.keys()];
  assert.deepEqual(names.slice(0, 6), [
    "token_embd.weight",
    "blk.0.attn_norm.weight",
    "blk.0.attn_q.weight",
    "blk.0.attn_k.weight",
    "blk.0.attn_v.weight",
    "blk.0.attn_output.weight",
  ]);
  assert.ok(!model.params.has("output.weight"));
  assert.deepEqual(model.params.get("blk.1.attn_k.weight")!.shape, [4, 8]); // 1 kv head of 4 x dModel 8
  assert.deepEqual(model.params.get("blk.1.ffn_down.weight")!.shape, [8, 12]);
  const other = createLlama(cfg, { seed: 2 });
  loadLlamaWeights(other, llamaWeights(model));
  const toks = Int32Array.from([1, 2, 3, 4]);
  assert.deepEqual(other.logits(toks, 1, 4), model.logits(toks, 1, 4));
  const w = llamaWeights(model);
  w.delete("blk.0.ffn_up.weight");
  w.set("bogus", new Float32Array(1));
  assert.throws(() => loadLlamaWeights(other, w), /missing \[blk\.0\.ffn_up\.weight\], unexpected \[bogus\]/);
  const short = llamaWeights(model);
  short.set("output_norm.weight", new Float32Array(3));
  assert.throws(() => loadLlamaWeights(other, short), /output_norm\.weight has 3 values/);
  // Built straight over the weights (no random init first): the same model, refused on the same misfits.
  const direct = llamaFromWeights(cfg, llamaWeights(model));
  assert.deepEqual(direct.logits(toks, 1, 4), model.logits(toks, 1, 4));
  assert.throws(() => llamaFromWeights(cfg, w), /missing \[blk\.0\.ffn_up\.weight\], unexpected \[bogus\]/);
  assert.throws(() => llamaFromWeights(cfg, short), /output_norm\.weight has 3 values/);
});

test("bad batches are refused with their sizes", () => {
  const model = createLlama(tiny(), { seed: 1 });
  assert.throws(() => model.logits(new Int32Array(5), 1, 4), /5 values, B\*T = 4/);
  assert.throws(() => model.logits(new Int32Array(9), 1, 9), /exceeds the model's contextLength 8/);
  assert.throws(() => model.logits(Int32Array.from([0, 11]), 1, 2), /outside the vocabulary/);
});

for (const steered of [false, true]) {
  test(`KV-cached decoding gives the full forward's logits at every position${steered ? " (steered)" : ""}`, () => {
    const cfg = tiny({ nLayers: 3, nHeads: 4, nKvHeads: 2, dModel: 16, contextLength: 12 });
    const model = createLlama(cfg, { seed: 21 });
    // Larger weights make the attention pattern non-trivial.
    for (const p of model.params.values())
      if (p.shape.length === 2) for (let i = 0; i < p.data.length; i++) p.data[i]! *= 15;
    const rng = createRng(3);
    const steerVecs = [undefined, Float32Array.from({ length: 16 }, () => rng.normal()), undefined];
    const steer = steered ? steerVecs.map((v) => (v ? tensor(v, [16]) : undefined)) : undefined;
    const seq = Int32Array.from([3, 1, 4, 1, 5, 9, 2, 6, 5, 3]);
    const full = model.logits(seq, 1, seq.length, { steer });
    const dec = createDecoder(cfg, (n) => model.params.get(n)!.data, steered ? steerVecs : undefined);
    const check = (t: number, step: Float32Array) => {
      for (let v = 0; v < cfg.vocabSize; v++) {
        const want = full[t * cfg.vocabSize + v] as number;
        assert.ok(
          Math.abs((step[v] as number) - want) < 1e-4 * (1 + Math.abs(want)),
          `t=${t} v=${v}: ${step[v]} vs ${want}`,
        );
      }
    };
    // A batched prefill of the first 6 tokens, then token by token: the same logits as the full forward.
    const batched = createDecoder(cfg, (n) => model.params.get(n)!.data, steered ? steerVecs : undefined);
    check(5, batched.prefill(Array.from(seq.subarray(0, 6))));
    for (let t = 6; t < seq.length; t++) check(t, batched.feed(seq[t] as number));
    // Back to position 3, then 5 tokens in one batch: the same logits, and the full forward's final hidden rows.
    batched.rewind(3);
    const ext = batched.extend(Array.from(seq.subarray(3, 8)), { hidden: true });
    check(7, ext.logits);
    const fullHidden = model.forward(seq, 1, seq.length, { output: "hidden", grad: false, steer }).data;
    assert.equal(ext.hidden?.length, 5 * 16);
    ext.hidden?.forEach((h, i) => {
      const want = fullHidden[3 * 16 + i] as number;
      assert.ok(Math.abs(h - want) < 1e-4 * (1 + Math.abs(want)), `hidden ${i}: ${h} vs ${want}`);
    });
    assert.throws(() => batched.rewind(9), /rewind to 9: the cache holds 8/);
    // Three continuations of the first 3 tokens in one batch: each row as the full forward of its own sequence.
    batched.rewind(3);
    const other = Int32Array.from([...seq.subarray(0, 3), 7, 2]);
    const otherHidden = model.forward(other, 1, other.length, { output: "hidden", grad: false, steer }).data;
    const branched = batched.branch([Array.from(seq.subarray(3, 8)), Array.from(seq.subarray(3, 5)), [7, 2]]);
    const wants = [
      ...Array.from({ length: 5 }, (_, r) => fullHidden.subarray((3 + r) * 16, (4 + r) * 16)),
      ...Array.from({ length: 2 }, (_, r) => fullHidden.subarray((3 + r) * 16, (4 + r) * 16)),
      ...Array.from({ length: 2 }, (_, r) => otherHidden.subarray((3 + r) * 16, (4 + r) * 16)),
    ];
    assert.equal(branched.length, wants.length * 16);
    for (const [r, want] of wants.entries())
      for (const [j, x] of want.entries()) {
        const h = branched[r * 16 + j] as number;
        assert.ok(Math.abs(h - x) < 1e-4 * (1 + Math.abs(x)), `branch row ${r} [${j}]: ${h} vs ${x}`);
      }
    assert.equal(batched.position, 3, "the cache keeps what it held");
    check(7, batched.extend(Array.from(seq.subarray(3, 8))).logits);
    for (let t = 0; t < seq.length; t++) {
      const step = dec.feed(seq[t] as number);
      for (let v = 0; v < cfg.vocabSize; v++) {
        const want = full[t * cfg.vocabSize + v] as number;
        assert.ok(
          Math.abs((step[v] as number) - want) < 1e-4 * (1 + Math.abs(want)),
          `t=${t} v=${v}: ${step[v]} vs ${want}`,
        );
      }
    }
  });
}

test("greedy generate picks the argmax of a fresh full forward at each step; stop tokens end it", () => {
  const cfg = tiny({ contextLength: 10 });
  const model = createLlama(cfg, { seed: 8 });
  for (const p of model.params.values())
    if (p.shape.length === 2) for (let i = 0; i < p.data.length; i++) p.data[i]! *= 20;
  const prompt = [2, 7];
  const out = model.generate(prompt, { maxTokens: 20 });
  assert.equal(out.length, 8); // ends when the context of 10 is full
  const seq = [...prompt];
  for (const tok of out) {
    const logits = model.logits(Int32Array.from(seq), 1, seq.length);
    assert.equal(tok, argmax(logits.subarray((seq.length - 1) * 11)));
    seq.push(tok);
  }
  const stopAt = out[3] as number;
  const stopped = model.generate(prompt, { maxTokens: 20, stopTokens: [stopAt] });
  assert.deepEqual(stopped, out.slice(0, out.indexOf(stopAt)));
  assert.equal(model.generate(prompt, { maxTokens: 3 }).length, 3);
});

test("sampling: same rng seed, same tokens; top-p near 0 is greedy; temperature needs an rng", () => {
  const cfg = tiny({ contextLength: 16 });
  const model = createLlama(cfg, { seed: 9 });
  for (const p of model.params.values())
    if (p.shape.length === 2) for (let i = 0; i < p.data.length; i++) p.data[i]! *= 10;
  const a = model.generate([1], { maxTokens: 12, temperature: 1, rng: createRng(5) });
  const b = model.generate([1], { maxTokens: 12, temperature: 1, rng: createRng(5) });
  assert.deepEqual(a, b);
  const greedy = model.generate([1], { maxTokens: 12 });
  assert.deepEqual(model.generate([1], { maxTokens: 12, temperature: 1, topP: 1e-9, rng: createRng(6) }), greedy);
  assert.notDeepEqual(
    [1, 2, 3].map((s) => model.generate([1], { maxTokens: 12, temperature: 2, rng: createRng(s) }).join()),
    [greedy.join(), greedy.join(), greedy.join()],
  );
  assert.throws(() => model.generate([1], { maxTokens: 2, temperature: 0.7 }), /needs an rng/);
});

test("results do not depend on the thread count (GEMM, attention, cross-entropy reductions are ordered)", () => {
  // Large enough that every kernel takes its multi-threaded path.
  // T = 130: three attention tiles (the last one ragged), so tiles run on both threads.
  const cfg = tiny({ vocabSize: 512, dModel: 128, nHeads: 4, nKvHeads: 2, dFf: 256, contextLength: 130 });
  const b = randomBatch(31, cfg.vocabSize, 2, 130);
  const run = (threads: number) => {
    setNumThreads(threads);
    const model = createLlama(cfg, { seed: 5 });
    const { loss } = model.lossAndGrad(b, { gradScale: 1 / 260 });
    return { loss, grads: [...model.params.values()].map((p) => p.grad) };
  };
  const before = getNumThreads();
  try {
    const one = run(1);
    const two = run(2);
    assert.equal(two.loss, one.loss);
    for (const [i, g] of two.grads.entries()) assert.deepEqual(g, one.grads[i]);
  } finally {
    setNumThreads(before);
  }
});

test("forward: hidden states feed the head; a graph through them reaches the weights", () => {
  const cfg = tiny();
  const model = createLlama(cfg, { seed: 4 });
  const toks = Int32Array.from([1, 2, 3, 4, 5, 6]);
  const hidden = model.forward(toks, 2, 3, { output: "hidden" });
  assert.deepEqual(hidden.shape, [6, 8]);
  const head = tensor(model.params.get("output.weight")!.data, [11, 8]);
  const viaHidden = linear(hidden.detach(), head).data;
  const logits = model.logits(toks, 2, 3);
  for (let i = 0; i < logits.length; i++) assert.ok(Math.abs((viaHidden[i] as number) - (logits[i] as number)) < 1e-6);
  sum(hidden).backward();
  assert.ok(model.params.get("blk.0.attn_q.weight")!.grad.some((g) => g !== 0));
  assert.ok(model.params.get("output.weight")!.grad.every((g) => g === 0)); // the head is not on this path
});

test("activation checkpointing gives the gradients of the plain backward pass (float64, with grad-requiring steering)", () => {
  const cfg = tiny({ tiedEmbeddings: true, nLayers: 3 });
  const model = createLlama(cfg, { seed: 7 });
  const b = randomBatch(9, cfg.vocabSize, 2, 5);
  const mask = Float64Array.from(b.mask as Float32Array);
  const run = (checkpoint: boolean) => {
    const w = float64Weights(model);
    const steer: Steering = [
      undefined,
      tensor(
        Float64Array.from({ length: 8 }, () => 0.1),
        [8],
        { requiresGrad: true },
      ),
    ];
    const logits = llamaForward(cfg, (n) => w.get(n)!, b.tokens, 2, 5, { steer, checkpoint });
    const loss = crossEntropy(logits, b.targets, mask);
    loss.backward();
    return { loss: loss.item(), grads: [...w.values(), steer[1] as Tensor].map((t) => Float64Array.from(t.grad!)) };
  };
  const plain = run(false);
  const ckpt = run(true);
  assert.equal(ckpt.loss, plain.loss);
  plain.grads.forEach((g, i) => {
    const h = ckpt.grads[i] as Float64Array;
    for (let j = 0; j < g.length; j++)
      assert.ok(Math.abs((g[j] as number) - (h[j] as number)) < 1e-12, `tensor ${i} element ${j}: ${g[j]} vs ${h[j]}`);
  });
});
