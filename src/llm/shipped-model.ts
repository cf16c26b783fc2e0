import { resolve } from "node:path";

/** The default policy shipped in the package's models/ folder (src/llm and dist/llm sit at the same depth). */
export const SHIPPED_MODEL_PATH = resolve(new URL("../../models/default/model.gguf", import.meta.url).pathname);

/** The shipped SFT policy: models/policy, trained from models/default (RL starts from it and holds to it). */
export const SHIPPED_POLICY_PATH = resolve(new URL("../../models/policy/model.gguf", import.meta.url).pathname);

/**
 * The shipped RL policy (`ideasteer generate`'s default model): models/policy-rl, RL from the SFT policy, with
 * its dimensional controllers and sentence-level decoder under controllers/.
 */
export const SHIPPED_RL_POLICY_PATH = resolve(new URL("../../models/policy-rl/model.gguf", import.meta.url).pathname);
