import { createReadStream } from "node:fs";
import { createInterface } from "node:readline";
import { createGunzip } from "node:zlib";
import { preTokenize, trainBpe } from "../index.js";
const out: string[] = [];
const lines = createInterface({ input: createReadStream("/work/shared/data/papers.jsonl.gz").pipe(createGunzip()) });
for await (const line of lines) { out.push(JSON.parse(line).abstract); if (out.length >= 5000) break; }
lines.close();
let t = performance.now();
let n = 0;
for (const s of out) n += preTokenize(s).length;
console.log("pretokenize", performance.now() - t, n);
const tok = await trainBpe({ texts: out.slice(0, 1000), vocabSize: 4096, specialTokens: [] });
t = performance.now();
for (const s of out) tok.encode(s);
console.log("encode", performance.now() - t);
t = performance.now();
for (const s of out) tok.encode(s);
console.log("encode again", performance.now() - t);
