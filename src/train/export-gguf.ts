import { statSync } from "node:fs";
import { type GgufTensorType, loadTokenizer, writeLlamaGguf } from "../engine/index.js";
import { loadCheckpoint } from "./checkpoint.js";

export const EXPORT_TYPES = ["f32", "f16", "q8_0"] as const;
export type ExportType = (typeof EXPORT_TYPES)[number];
const TENSOR_TYPE: Record<ExportType, GgufTensorType> = { f32: "F32", f16: "F16", q8_0: "Q8_0" };

/**
 * Writes a checkpoint (a checkpoint folder, or a run folder's newest) as a llama-architecture GGUF
 * with its BPE tokenizer, loadable by llama.cpp / node-llama-cpp.
 *
 * @example
 *   exportGguf({ checkpoint: "runs/pretrain-20261128-053000", out: "model.gguf", type: "f16" });
 *   // { out: "model.gguf", bytes: 9_400_000, step: 3000 }
 */
export function exportGguf(o: { checkpoint: string; out: string; type: ExportType; name?: string }): {
  out: string;
  bytes: number;
  step: number;
} {
  const ck = loadCheckpoint(o.checkpoint);
  const tokenizer = loadTokenizer(ck.tokenizerPath);
  writeLlamaGguf(o.out, {
    config: ck.llamaConfig,
    weights: new Map([...ck.weights].map(([k, t]) => [k, t.data])),
    tokenizer: tokenizer.toGgufTokenizer(),
    fileType: TENSOR_TYPE[o.type],
    name: o.name ?? "ideasteer",
  });
  return { out: o.out, bytes: statSync(o.out).size, step: ck.step };
}
