import { resolve } from "node:path";

/** The reward models shipped in the repository (models/reward-tfidf), found from src/ and dist/ alike. */
export const SHIPPED_REWARD_MODEL_DIR = resolve(new URL("../../models/reward-tfidf", import.meta.url).pathname);
