/**
 * ideasteer's public API: `import { ... } from "ideasteer"`.
 *
 * The paper library (parse, ingest, search), the LLM backends (builtin, llama, openai), what an
 * idea is (render, parse, repair, the three dimensions), the datasets, the judge and the reward models
 * (`scoreIdeas`, `loadRewardModel`; the lexical baseline today); the engine
 * (tensors, our llama model, tokenizer, GGUF) as the `engine` namespace; generation and the idea history
 * (`generateIdeas`, `IdeaStore`, `readPaperFile`). Later: steer.
 *
 * @example
 *   import { PaperStore, engine, SHIPPED_MODEL_PATH } from "ideasteer";
 *   const store = PaperStore.open("lib.sqlite"); store.search("idea generation", { limit: 5 });
 *   const { config, weights } = engine.readLlamaGguf(SHIPPED_MODEL_PATH);
 */
export * from "./datasets/index.js";
export * as engine from "./engine/index.js";
export * from "./idea/index.js";
export * from "./ideas/index.js";
export * from "./judge/index.js";
export * from "./library/index.js";
export * from "./llm/index.js";
export * from "./reward/index.js";
