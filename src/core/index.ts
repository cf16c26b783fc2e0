export * from "./atomic-write.js";
export * from "./errors.js";
export * from "./log.js";
export * from "./progress.js";
export * from "./rng.js";
