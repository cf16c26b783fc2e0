import koffi from "koffi";
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

const TOKEN_DATA_BYTES = 12; // struct llama_token_data { int32 id; float logit; float p; }
const TOKEN_DATA_ARRAY_BYTES = 32; // struct llama_token_data_array { data*; size_t size; int64 selected; bool sorted; }

/**
 * llama.cpp's own sampler chain (native, so a 150k-token vocabulary costs no JS work): top-k,
 * top-p, temperature and a seeded draw; greedy when temperature is 0.
 *
 * With a grammar, each token is first drawn without it and checked alone against the grammar;
 * only when it is refused is the grammar applied to the whole vocabulary and the token redrawn.
 * The result has exactly the constrained distribution (a valid draw t has probability p(t) / Z
 * either way), but a model that mostly writes valid text skips the full-vocabulary pass, which
 * costs about as much as a decode on a 0.5B model with a 152k vocabulary.
 */
export class SamplerChain {
  private readonly free: SamplerPtr; // the samplers without the grammar
  private readonly constrained: { chain: SamplerPtr; grammar: SamplerPtr; probe: bigint } | null = null;

  constructor(
    private readonly lib: Libllama,
    vocab: VocabPtr,
    spec: SamplerSpec,
  ) {
    this.free = this.chain(spec, spec.seed);
    if (spec.grammar === undefined) return;
    const grammar = lib.samplerInitGrammar(vocab, spec.grammar, spec.grammarRoot ?? "root");
    if (grammar === null) {
      lib.samplerFree(this.free);
      throw new Error("llama.cpp rejected the grammar (GBNF parse error)");
    }
    const chain = lib.samplerChainInit(true);
    lib.samplerChainAdd(chain, grammar); // grammar first: the rest only sees allowed tokens
    this.addSamplers(chain, spec, (spec.seed ?? DEFAULT_SEED) + 1);
    // One-token llama_token_data_array for the check, in native memory the grammar sampler can write.
    const probe = koffi.alloc("uint8_t", TOKEN_DATA_ARRAY_BYTES + TOKEN_DATA_BYTES) as bigint;
    const v = new DataView(koffi.view(probe, TOKEN_DATA_ARRAY_BYTES));
    v.setBigUint64(0, probe + BigInt(TOKEN_DATA_ARRAY_BYTES), true); // data: the token right after the array
    v.setBigUint64(8, 1n, true); // size
    v.setBigInt64(16, -1n, true); // selected: none
    v.setUint8(24, 0); // sorted: false
    this.constrained = { chain, grammar: lib.samplerChainGet(chain, 0), probe };
  }

  private chain(spec: SamplerSpec, seed: number | undefined): SamplerPtr {
    const chain = this.lib.samplerChainInit(true);
    this.addSamplers(chain, spec, seed ?? DEFAULT_SEED);
    return chain;
  }

  private addSamplers(chain: SamplerPtr, spec: SamplerSpec, seed: number): void {
    const add = (s: SamplerPtr) => this.lib.samplerChainAdd(chain, s); // the chain owns what is added
    const t = spec.temperature ?? 0;
    if (t <= 0) {
      add(this.lib.samplerInitGreedy());
      return;
    }
    if (spec.topK !== undefined && spec.topK > 0) add(this.lib.samplerInitTopK(spec.topK));
    if (spec.topP !== undefined && spec.topP < 1) add(this.lib.samplerInitTopP(spec.topP, 1));
    add(this.lib.samplerInitTemp(t));
    add(this.lib.samplerInitDist(seed >>> 0));
  }

  /** Samples (and accepts, advancing the grammar) a token from output `idx` of the last decode. */
  sample(ctx: ContextPtr, idx = -1): number {
    const token = this.lib.samplerSample(this.free, ctx, idx);
    const c = this.constrained;
    if (c === null) return token;
    if (this.grammarAllows(c.grammar, c.probe, token)) {
      this.lib.samplerAccept(c.grammar, token);
      return token;
    }
    return this.lib.samplerSample(c.chain, ctx, idx); // applies the grammar to every token, accepts the draw
  }

  private grammarAllows(grammar: SamplerPtr, probe: bigint, token: number): boolean {
    const data = new DataView(koffi.view(probe + BigInt(TOKEN_DATA_ARRAY_BYTES), TOKEN_DATA_BYTES));
    data.setInt32(0, token, true);
    data.setFloat32(4, 1, true); // any finite logit; the grammar sets -inf when it refuses the token
    data.setFloat32(8, 0, true);
    this.lib.samplerApply(grammar, probe);
    return Number.isFinite(data.getFloat32(4, true));
  }

  close(): void {
    this.lib.samplerFree(this.free);
    if (this.constrained) {
      this.lib.samplerFree(this.constrained.chain);
      koffi.free(this.constrained.probe);
    }
  }
}
