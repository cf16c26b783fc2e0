export { type AttentionShape, causalAttention } from "./causal-attention.js";
export { crossEntropy } from "./cross-entropy.js";
export { add, mul, sum } from "./elementwise.js";
export { embedding } from "./embedding.js";
export { linear } from "./linear.js";
export { rmsNorm } from "./rms-norm.js";
export { type RopeOptions, rope } from "./rope.js";
export { swiglu } from "./swiglu.js";
export { tokenLogProbs } from "./token-log-probs.js";
