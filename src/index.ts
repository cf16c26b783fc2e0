/**
 * ideasteer's public API: `import { ... } from "ideasteer"`.
 *
 * The paper library (parse, ingest, search), the LLM backends (builtin, llama, openai), what an
 * idea is (render, parse, repair, the three dimensions), the datasets and the judge; the engine
 * (tensors, our llama model, tokenizer, GGUF) as the `engine` namespace. Later: reward, steer, ideas.
 *
 * @example
 *   import { PaperStore, engine, SHIPPED_MODEL_PATH } from "ideasteer";
 *   const store = new PaperStore("lib.sqlite"); store.search("idea generation", { limit: 5 });
 *   const { config, weights } = engine.readLlamaGguf(SHIPPED_MODEL_PATH);
 */
export * from "./datasets/index.js";
export * as engine from "./engine/index.js";
export * from "./idea/index.js";
export * from "./judge/index.js";
export * from "./library/index.js";
export * from "./llm/index.js";
