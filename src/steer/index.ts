// Dimensional controllers (DESIGN §4): contrast extraction for any GGUF model and llama.cpp control-vector files.
// The sentence-level decoder joins them here (issue 12).
export { readControlVectorGguf, writeControlVectorGguf } from "./control-vector-file.js";
export { type ControllerSet, combineControllers, loadControllerSet, staticSteering } from "./controller-set.js";
export { extractController } from "./extract-controllers.js";
