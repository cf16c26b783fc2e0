import { resolve } from "node:path";

/**
 * The reward models shipped in the repository, found from src/ and dist/ alike: models/reward (the default: the
 * transformer and the TF-IDF ridge mixed per dimension), and the TF-IDF ridge alone (the baseline, and the
 * ensemble's lexical member).
 */
export const SHIPPED_REWARD_MODEL_DIR = resolve(new URL("../../models/reward", import.meta.url).pathname);
export const SHIPPED_TFIDF_MODEL_DIR = resolve(new URL("../../models/reward-tfidf", import.meta.url).pathname);
/** The transformer alone: what RL trains against, so that the TF-IDF ridge stays an evaluator training never saw. */
export const SHIPPED_TRANSFORMER_RM_DIR = resolve(new URL("../../models/reward/transformer", import.meta.url).pathname);
