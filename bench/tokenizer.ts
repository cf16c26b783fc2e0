// Byte-level BPE training and encoding speed on the real abstracts in ../shared/data.
// Usage: npx tsx bench/tokenizer.ts [megabytes=100] [vocabSize=8192]
import { createReadStream } from "node:fs";
import { createInterface } from "node:readline";
import { createGunzip } from "node:zlib";
import { trainBpe } from "../src/engine/index.js";
import { sharedPath } from "../src/testing/index.js";

const megabytes = Number(process.argv[2] ?? 100);
const vocabSize = Number(process.argv[3] ?? 8192);

async function readTexts(maxBytes: number): Promise<string[]> {
  const out: string[] = [];
  let bytes = 0;
  const lines = createInterface({ input: createReadStream(sharedPath("papers.jsonl.gz")).pipe(createGunzip()) });
  for await (const line of lines) {
    const p = JSON.parse(line) as { title?: string; abstract?: string };
    const text = `${p.title ?? ""}\n${p.abstract ?? ""}`;
    out.push(text);
    bytes += Buffer.byteLength(text);
    if (bytes >= maxBytes) break;
  }
  lines.close();
  return out;
}

const texts = await readTexts(megabytes * 1e6);
const bytes = texts.reduce((a, t) => a + Buffer.byteLength(t), 0);
console.log(`corpus: ${texts.length} texts, ${(bytes / 1e6).toFixed(1)} MB`);
let t0 = performance.now();
let countDone = 0;
const tok = await trainBpe({
  texts,
  vocabSize,
  specialTokens: ["<|paper|>", "<|idea|>", "<|end|>"],
  onProgress: (p) => {
    if (p.phase === "merge" && countDone === 0) countDone = performance.now();
  },
});
const t1 = performance.now();
console.log(
  `train: vocab ${tok.vocabSize} in ${((t1 - t0) / 1000).toFixed(1)} s (count ${((countDone - t0) / 1000).toFixed(1)} s, merges ${((t1 - countDone) / 1000).toFixed(1)} s)`,
);
t0 = performance.now();
let ids = 0;
for (const t of texts) ids += tok.encode(t).length;
const t2 = performance.now();
console.log(
  `encode: ${ids} tokens, ${(bytes / ids).toFixed(2)} bytes/token, ${(bytes / 1e6 / ((t2 - t0) / 1000)).toFixed(1)} MB/s`,
);
