import { batchPositions, type LlamaModel, lossTokens, type TokenBatch } from "../engine/index.js";
import type { TrainLoss } from "./train-stage.js";

/**
 * Masked next-token cross-entropy, L = Σ_t m_t · CE_t / Σ_t m_t: pretraining (no mask) and SFT (mask on idea
 * tokens) share it. The normaliser is lossTokens, the one count the engine's loss is divided by.
 */
export function tokenLoss(model: Pick<LlamaModel, "lossAndGrad" | "evalLoss">): TrainLoss<TokenBatch> {
  return {
    weight: lossTokens,
    positions: batchPositions,
    lossAndGrad: (b, o) => model.lossAndGrad(b, { gradScale: o.gradScale }).loss,
    evalLoss: (b) => model.evalLoss(b).loss,
  };
}
