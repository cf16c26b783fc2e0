import type { ContextPtr, Libllama, SamplerPtr, VocabPtr } from "./libllama.js";

export type SamplerSpec = {
  temperature?: number; // 0 or absent = greedy
  topK?: number;
  topP?: number;
  seed?: number;
  grammar?: string; // GBNF; constrains every sampled token
  grammarRoot?: string;
};

/** Seed used when none is given, so an unseeded run is still reproducible. */
export const DEFAULT_SEED = 0x5eed;

/**
 * llama.cpp's own sampler chain (native, so sampling a 150k-token vocabulary costs no JS work):
 * grammar first, then top-k, top-p, temperature and a seeded draw; greedy when temperature is 0.
 */
export class SamplerChain {
  private readonly chain: SamplerPtr;

  constructor(
    private readonly lib: Libllama,
    vocab: VocabPtr,
    spec: SamplerSpec,
  ) {
    this.chain = lib.samplerChainInit(true);
    const add = (s: SamplerPtr) => lib.samplerChainAdd(this.chain, s); // the chain owns what is added
    if (spec.grammar !== undefined) {
      const g = lib.samplerInitGrammar(vocab, spec.grammar, spec.grammarRoot ?? "root");
      if (g === null) {
        lib.samplerFree(this.chain);
        throw new Error("llama.cpp rejected the grammar (GBNF parse error)");
      }
      add(g);
    }
    const t = spec.temperature ?? 0;
    if (t <= 0) {
      add(lib.samplerInitGreedy());
      return;
    }
    if (spec.topK !== undefined && spec.topK > 0) add(lib.samplerInitTopK(spec.topK));
    if (spec.topP !== undefined && spec.topP < 1) add(lib.samplerInitTopP(spec.topP, 1));
    add(lib.samplerInitTemp(t));
    add(lib.samplerInitDist((spec.seed ?? DEFAULT_SEED) >>> 0));
  }

  /** Samples (and accepts, advancing the grammar) a token from output `idx` of the last decode. */
  sample(ctx: ContextPtr, idx = -1): number {
    return this.lib.samplerSample(this.chain, ctx, idx);
  }

  close(): void {
    this.lib.samplerFree(this.chain);
  }
}
