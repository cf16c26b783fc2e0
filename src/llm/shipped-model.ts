import { resolve } from "node:path";

/** The default policy shipped in the package's models/ folder (src/llm and dist/llm sit at the same depth). */
export const SHIPPED_MODEL_PATH = resolve(new URL("../../models/default/model.gguf", import.meta.url).pathname);

/** The shipped SFT policy (`ideasteer generate`'s default model): models/policy, trained from models/default. */
export const SHIPPED_POLICY_PATH = resolve(new URL("../../models/policy/model.gguf", import.meta.url).pathname);
