export type { BpeTokenizerJson } from "./bpe-tokenizer.js";
export { BpeTokenizer } from "./bpe-tokenizer.js";
export { PRE_TOKENIZER, preTokenize } from "./pre-tokenize.js";
export { loadTokenizer, saveTokenizer } from "./tokenizer-file.js";
export type { TrainBpeOptions, TrainBpeProgress } from "./train-bpe.js";
export { trainBpe } from "./train-bpe.js";
