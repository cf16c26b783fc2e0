import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { IdeasteerError } from "../core/index.js";
import type { Paper, PaperStore } from "../library/index.js";
import { hasSharedData, openSampleLibrary, openTinyLlama, requireSharedData } from "../testing/index.js";
import { retrievalNovelty } from "./retrieval-novelty.js";
import { cosine, termsOf, tfidfVectors } from "./tfidf-cosine.js";

let dir: string;
let store: PaperStore;
let target: Paper; // a real library paper the tests take ideas from

before(async () => {
  if (!hasSharedData()) return;
  dir = mkdtempSync(join(tmpdir(), "ideasteer-judge-"));
  store = await openSampleLibrary(dir, { every: 40 });
  const hit = store.search("reinforcement learning from human feedback", { limit: 1 })[0];
  assert.ok(hit);
  target = store.get(hit.id) as Paper;
});
after(() => {
  store?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test("tf-idf cosine: 1 for the same terms, 0 for none shared, plurals folded, order-free", () => {
  assert.deepEqual(termsOf("The Models use Transformers, café!"), ["model", "transformer", "cafe"]);
  const [a, b, c, d] = tfidfVectors([
    "graph neural networks for molecules",
    "molecules for graph neural network",
    "speech recognition in noisy rooms",
    "graph kernels for molecules",
  ]) as [Map<string, number>, Map<string, number>, Map<string, number>, Map<string, number>];
  assert.ok(Math.abs(cosine(a, b) - 1) < 1e-12);
  assert.equal(cosine(a, c), 0);
  const ad = cosine(a, d);
  assert.ok(ad > 0.2 && ad < 0.9, `partial overlap gives a middle value, got ${ad}`);
});

test("an idea that is a library paper's own text has novelty ~0, and that paper is nearest", async (t) => {
  if (!requireSharedData(t)) return;
  const r = await retrievalNovelty({ library: store }, `${target.title}\n${target.abstract}`, { topK: 10 });
  assert.equal(r.evidence, "retrieved");
  assert.equal(r.method, "tfidf");
  assert.equal(r.nearest[0]?.id, target.id);
  assert.ok((r.novelty as number) < 1e-9, `novelty ${r.novelty}`);
  assert.equal(r.nearest.length, 10);
  const sims = r.nearest.map((p) => p.similarity);
  assert.deepEqual(
    sims,
    [...sims].sort((x, y) => y - x),
    "nearest first",
  );
  assert.ok(sims.every((s) => s >= 0 && s <= 1));
});

test("leaving that paper out (as a source paper is) makes the same text much more novel", async (t) => {
  if (!requireSharedData(t)) return;
  const text = `${target.title}\n${target.abstract}`;
  const r = await retrievalNovelty({ library: store }, text, { topK: 10, excludeIds: [target.id] });
  assert.ok(!r.nearest.some((p) => p.id === target.id));
  assert.ok((r.novelty as number) > 0.3, `novelty ${r.novelty}: other papers share only part of its terms`);
  // A paraphrase built from the abstract's second half still finds the paper among the nearest.
  const half = target.abstract.slice(Math.floor(target.abstract.length / 2));
  const p = await retrievalNovelty({ library: store }, half, { topK: 10 });
  assert.ok(
    p.nearest.slice(0, 3).some((x) => x.id === target.id),
    JSON.stringify(p.nearest.slice(0, 3)),
  );
  assert.ok((p.novelty as number) < (r.novelty as number));
});

test("nothing retrieved: novelty is null with evidence none, never a guess", async (t) => {
  if (!requireSharedData(t)) return;
  const r = await retrievalNovelty({ library: store }, "qzxv wvvkj plorfth");
  assert.deepEqual(r, { novelty: null, evidence: "none", method: "tfidf", nearest: [] });
});

test("embedding similarity through a backend with embed(); refused without one", async (t) => {
  if (!requireSharedData(t)) return;
  await assert.rejects(
    retrievalNovelty({ library: store }, "anything", { method: "embedding" }),
    (e: unknown) => e instanceof IdeasteerError && e.code === "E_NO_EMBEDDINGS",
  );
  const model = join(dir, "tiny.gguf");
  const backend = await openTinyLlama(model, { seed: 3, contextSize: 512, config: { contextLength: 4096 } });
  try {
    const text = `${target.title}\n${target.abstract}`;
    const r = await retrievalNovelty({ library: store, backend }, text, { topK: 4, method: "embedding" });
    assert.equal(r.method, "embedding");
    assert.equal(r.nearest.length, 4);
    // Random weights make other similarities arbitrary, but the same text embeds to the same vector.
    assert.equal(r.nearest[0]?.id, target.id);
    assert.ok((r.novelty as number) < 1e-5, `novelty ${r.novelty}`);
  } finally {
    await backend.close();
  }
});

test("padding an idea with 300 random words does not raise its retrieval novelty", async (t) => {
  if (!requireSharedData(t)) return;
  const idea = `Title: Extending ${target.title}\nMethod: ${target.abstract.slice(0, 400)}`;
  // Random English words (many of them in the library's vocabulary) and random letter strings (in none of it).
  const words = (
    "apple river mountain purple seven window garden candle orbit violin harbor pencil meadow thunder " +
    "lantern copper marble velvet canyon falcon glacier saddle tunnel walnut blanket compass"
  ).split(" ");
  let seed = 12345;
  const rand = () => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed / 2 ** 31;
  };
  const pick = () => words[Math.floor(rand() * words.length)];
  const gibberish = () => Array.from({ length: 7 }, () => String.fromCharCode(97 + Math.floor(rand() * 26))).join("");
  const plain = await retrievalNovelty({ library: store }, idea, { excludeIds: [target.id] });
  for (const padding of [Array.from({ length: 300 }, pick), Array.from({ length: 300 }, gibberish)]) {
    const padded = await retrievalNovelty({ library: store }, `${idea}\n${padding.join(" ")}`, {
      excludeIds: [target.id],
    });
    assert.ok(
      (padded.novelty as number) <= (plain.novelty as number) + 0.01,
      `novelty ${plain.novelty} -> ${padded.novelty} with ${padding.slice(0, 3).join(" ")}...`,
    );
  }
});
