import { createProgress } from "../core/index.js";
import { llamaFromWeights, loadTokenizer } from "../engine/index.js";
import { loadBaseModel, PretrainData, readPretrainDocuments } from "../train/index.js";

export type LmRow = {
  name: string;
  params: number;
  window: number; // tokens per evaluated window (the model's context, or less when asked)
  tokens: number; // predicted tokens
  nats: number;
  perplexity: number; // per the model's own tokens
  bitsPerChar: number; // comparable across tokenizers
};

/**
 * Held-out language-model figures that compare models with different tokenizers and contexts: every model reads
 * the same held-out documents (the pretraining split's val papers, never trained on by any preset) laid out as in
 * pretraining, in non-overlapping windows of its context; bits per character = Σ nats / ln 2 / characters.
 */
export async function evalLm(o: {
  models: { name: string; path: string; window?: number }[];
  dataDir: string;
  maxChars: number;
  progress?: boolean;
}): Promise<{ documents: number; chars: number; rows: LmRow[] }> {
  const docs: { text: string; paper: boolean }[] = [];
  let chars = 0;
  const data = PretrainData.parse({ sampleFraction: 1, maxChars: 1e12 });
  for await (const d of readPretrainDocuments(data, o.dataDir)) {
    if (d.split !== "val") continue;
    docs.push({ text: d.text, paper: d.source === "papers" });
    chars += d.text.length;
    if (chars >= o.maxChars) break;
  }
  const rows: LmRow[] = [];
  for (const m of o.models) {
    const base = loadBaseModel(m.path);
    const tok = loadTokenizer(base.tokenizerPath);
    const model = llamaFromWeights(base.llamaConfig, base.weights);
    const stream: number[] = [];
    for (const d of docs) {
      if (d.paper) stream.push(tok.tokenId("<|paper|>"));
      stream.push(...tok.encode(d.text), tok.tokenId("<|end|>"));
    }
    const T = Math.min(m.window ?? base.llamaConfig.contextLength, base.llamaConfig.contextLength);
    const windows = Math.floor((stream.length - 1) / T);
    const bar = createProgress({
      label: `held-out loss (${m.name})`,
      total: windows,
      unit: "window",
      enabled: o.progress ?? false,
    });
    let nats = 0;
    for (let w = 0; w < windows; w++) {
      const tokens = Int32Array.from(stream.slice(w * T, w * T + T));
      const targets = Int32Array.from(stream.slice(w * T + 1, w * T + T + 1));
      nats += model.evalLoss({ tokens, targets, B: 1, T }).loss;
      bar.tick();
    }
    bar.done();
    const tokens = windows * T;
    // The windows cover all but the stream's last few tokens: scale characters to the covered share.
    const coveredChars = (chars * tokens) / (stream.length - 1);
    rows.push({
      name: m.name,
      params: [...model.params.values()].reduce((n, p) => n + p.data.length, 0),
      window: T,
      tokens,
      nats,
      perplexity: Math.exp(nats / tokens),
      bitsPerChar: nats / Math.LN2 / coveredChars,
    });
  }
  return { documents: docs.length, chars, rows };
}
