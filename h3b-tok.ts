import { trainBpe } from "./src/engine/tokenizer/index.js";
import { readPretrainDocuments } from "./src/train/pretrain-corpus.js";
import { PretrainData } from "./src/train/pretrain-config.js";
const chars = Number(process.argv[2]);
const texts: string[] = []; let n = 0;
for await (const d of readPretrainDocuments(PretrainData.parse({ sampleFraction: 0.25, maxChars: 4e7 }), "/work/shared/data")) { if (n < chars) { texts.push(d.text); n += d.text.length; } }
let t0 = performance.now();
const tok = await trainBpe({ texts, vocabSize: 4096, specialTokens: ["<|paper|>", "<|idea|>", "<|end|>"] });
console.log("train ms", performance.now() - t0, tok.vocabSize);
t0 = performance.now(); let ntok = 0;
for (const t of texts) ntok += tok.encode(t).length;
console.log("encode ms", performance.now() - t0, "chars/token", n / ntok, "chars/s", n / ((performance.now() - t0) / 1000));
