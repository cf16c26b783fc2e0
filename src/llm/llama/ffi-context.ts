import { createHash } from "node:crypto";
import koffi from "koffi";
import type { ControlVector } from "../backend.js";
import type { FfiModel } from "./ffi-model.js";
import type { ContextPtr, Libllama, LoraPtr } from "./libllama.js";
import { FLASH_ATTN, GGML_TYPE, type LlamaBatch } from "./llama-structs.js";

export type FfiContextOptions = {
  contextSize: number; // tokens of KV cache
  threads: number; // decode threads (1 is fastest on 2 shared cores)
  batchSize?: number; // tokens per llama_decode call (default min(contextSize, 512))
  kvCache?: "f32" | "f16"; // f32 (default) for exact logits; f16 halves the cache
  /** a registered ggml eval callback (see hidden-states.ts); off for decoding, it costs a JS call per graph node */
  evalCallback?: bigint;
  /** continuations decoded together beside the cached prompt (sequences 1..branches; 0: one sequence) */
  branches?: number;
};

/** One token of one branch in a batched decode: its sequence (1..branches) and position. */
export type BranchToken = { seq: number; token: number; pos: number };

export type LoraSetting = { lora: LoraPtr; scale: number };

/**
 * One llama_context on an FfiModel with exact settings (flash attention off, F32 KV cache unless
 * kvCache is f16) and a token history: evaluate tokens, read raw logits, change control vectors
 * and LoRA between tokens.
 * Not safe for concurrent use; callers serialise (LlamaBackend does).
 */
export class FfiContext {
  readonly ptr: ContextPtr;
  readonly contextSize: number;
  readonly batchSize: number;
  /** how many continuations evalBranchTokens decodes together beside the cached prompt */
  readonly branches: number;
  /** the tokens whose keys/values are in the cache, in order */
  readonly tokens: number[] = [];
  /** for each cached token, the adapter state (control vector and LoRA) it was computed under */
  private readonly tokenStates: number[] = [];
  // An id per distinct (control vector's values, LoRA epoch): the same vector set again (best-of-K sets it for every
  // candidate) finds the tokens computed under it still reusable; any other vector or LoRA change does not.
  private adapterState = 0;
  private vectorKey = "none";
  private loraEpoch = 0;
  private readonly stateIds = new Map<string, number>([["none|0", 0]]);
  private nextStateId = 1;
  private readonly batch: LlamaBatch;
  private readonly batchTokens: Int32Array;
  private readonly batchPos: Int32Array;
  private readonly batchLogits: Int8Array;
  private readonly batchSeq: Int32Array[]; // seq_id[i][0] of each batch slot
  private lastCount = 0; // tokens in the last evalTokens call
  private lastAllLogits = false;
  private savedLogits: Float32Array[] = []; // rows from earlier chunks of the last evalTokens call
  private closed = false;
  private inFlight = false; // a decode runs on koffi's worker thread
  private deferred: (() => void)[] = [];

  constructor(
    readonly lib: Libllama,
    readonly model: FfiModel,
    opts: FfiContextOptions,
  ) {
    const p = lib.contextDefaultParams();
    p.n_ctx = opts.contextSize;
    this.batchSize = Math.min(opts.batchSize ?? 512, opts.contextSize);
    p.n_batch = this.batchSize;
    p.n_ubatch = this.batchSize;
    this.branches = opts.branches ?? 0;
    if (!Number.isInteger(this.branches) || this.branches < 0 || this.branches > 63)
      throw new RangeError(`branches = ${this.branches}; use 0-63`);
    p.n_seq_max = 1 + this.branches;
    // One cache for every sequence: a branch starts on the prompt's cells (shared, not copied), and each sequence may
    // use the whole context (a split cache gives each n_ctx / n_seq_max).
    p.kv_unified = true;
    p.n_threads = opts.threads;
    p.n_threads_batch = opts.threads;
    p.flash_attn_type = FLASH_ATTN.disabled; // exact logits: the reference path, not the fused kernel
    p.type_k = opts.kvCache === "f16" ? GGML_TYPE.F16 : GGML_TYPE.F32;
    p.type_v = p.type_k;
    p.no_perf = true;
    p.embeddings = false;
    if (opts.evalCallback !== undefined) {
      p.cb_eval = opts.evalCallback;
      p.cb_eval_user_data = null;
    }
    const ptr = lib.initFromModel(model.ptr, p);
    if (ptr === null) throw new Error(`llama_init_from_model failed for ${model.path} (n_ctx ${opts.contextSize})`);
    this.ptr = ptr;
    this.contextSize = lib.nCtx(ptr);
    this.batch = lib.batchInit(this.batchSize, 0, 1);
    // llama_batch_init leaves the arrays uninitialised; views on them let us fill them without a copy per call.
    const view = <T>(array: bigint | null, bytes: number, make: (b: ArrayBuffer) => T): T => {
      if (array === null) throw new Error("llama_batch_init returned a NULL array");
      return make(koffi.view(array, bytes));
    };
    this.batchTokens = view(this.batch.token, 4 * this.batchSize, (b) => new Int32Array(b));
    this.batchPos = view(this.batch.pos, 4 * this.batchSize, (b) => new Int32Array(b));
    this.batchLogits = view(this.batch.logits, this.batchSize, (b) => new Int8Array(b));
    view(this.batch.n_seq_id, 4 * this.batchSize, (b) => new Int32Array(b)).fill(1);
    const seqIds = view(this.batch.seq_id, 8 * this.batchSize, (b) => new BigUint64Array(b));
    this.batchSeq = Array.from({ length: this.batchSize }, (_, i) => view(seqIds[i], 4, (b) => new Int32Array(b)));
    for (const s of this.batchSeq) s[0] = 0;
  }

  /**
   * Appends tokens to the context and runs the model over them. `allLogits` keeps the logits of
   * every position (logitsAt(i) for i in the call); otherwise only the last position's.
   */
  async evalTokens(tokens: readonly number[], opts: { allLogits?: boolean; sync?: boolean } = {}): Promise<void> {
    if (tokens.length === 0) throw new RangeError("evalTokens needs at least one token");
    if (this.tokens.length + tokens.length > this.contextSize) {
      throw new RangeError(
        `context full: ${this.tokens.length} + ${tokens.length} tokens exceed the context size ${this.contextSize}; raise llm.contextSize`,
      );
    }
    const all = opts.allLogits ?? false;
    this.savedLogits = [];
    for (let start = 0; start < tokens.length; start += this.batchSize) {
      const n = Math.min(this.batchSize, tokens.length - start);
      const isLastChunk = start + n === tokens.length;
      for (let i = 0; i < n; i++) {
        this.batchTokens[i] = tokens[start + i];
        this.batchPos[i] = this.tokens.length + i;
        this.batchLogits[i] = all || (isLastChunk && i === n - 1) ? 1 : 0;
        (this.batchSeq[i] as Int32Array)[0] = 0;
      }
      const state = this.adapterState; // a change made while this decode runs applies only after it
      await this.decode(n, opts.sync ?? false);
      for (let i = 0; i < n; i++) {
        this.tokens.push(tokens[start + i]);
        this.tokenStates.push(state);
      }
      if (all && !isLastChunk) for (let i = 0; i < n; i++) this.savedLogits.push(this.readLogits(i));
    }
    this.lastCount = tokens.length;
    this.lastAllLogits = all;
  }

  /** llama_decode over the first n slots of the batch; an adapter change asked for meanwhile waits for it. */
  private async decode(n: number, sync: boolean): Promise<void> {
    const batch = { ...this.batch, n_tokens: n };
    let rc: number;
    if (sync) rc = this.lib.decode(this.ptr, batch);
    else {
      this.inFlight = true;
      try {
        rc = await this.lib.decodeAsync(this.ptr, batch);
      } finally {
        this.inFlight = false;
        this.runDeferred();
      }
    }
    if (rc === 1)
      throw new RangeError("llama_decode found no room in the KV cache for the batch; raise llm.contextSize");
    if (rc !== 0) throw new Error(`llama_decode failed with code ${rc}`);
  }

  /** Makes the cached tokens the start of sequences 1..n as well: the cells are shared, nothing is computed. */
  forkBranches(n: number): void {
    if (!Number.isInteger(n) || n < 1 || n > this.branches)
      throw new RangeError(`forkBranches(${n}): this context holds ${this.branches} branches`);
    const mem = this.lib.getMemory(this.ptr);
    for (let seq = 1; seq <= n; seq++) {
      this.lib.memorySeqRm(mem, seq, -1, -1);
      this.lib.memorySeqCp(mem, 0, seq, -1, -1);
    }
  }

  /**
   * One decode of one token for each of several branches (forked first), with logits for every one: sample branch
   * i's next token from output i. Runs under the adapter state in force, which the token history of sequence 0
   * does not record (it holds the prompt only).
   */
  async evalBranchTokens(steps: readonly BranchToken[]): Promise<void> {
    if (steps.length === 0 || steps.length > this.batchSize)
      throw new RangeError(`evalBranchTokens takes 1-${this.batchSize} tokens, got ${steps.length}`);
    steps.forEach((s, i) => {
      if (s.seq < 1 || s.seq > this.branches) throw new RangeError(`branch ${s.seq}: use 1-${this.branches}`);
      if (s.pos >= this.contextSize)
        throw new RangeError(`branch ${s.seq} reached the context size ${this.contextSize}; raise llm.contextSize`);
      this.batchTokens[i] = s.token;
      this.batchPos[i] = s.pos;
      this.batchLogits[i] = 1;
      (this.batchSeq[i] as Int32Array)[0] = s.seq;
    });
    this.lastCount = 0; // the last evalTokens call's logits are gone
    this.savedLogits = [];
    await this.decode(steps.length, false);
  }

  /** Drops sequences 1..n: the cells only they used are freed; the prompt stays as sequence 0. */
  dropBranches(n: number): void {
    const mem = this.lib.getMemory(this.ptr);
    for (let seq = 1; seq <= Math.min(n, this.branches); seq++) this.lib.memorySeqRm(mem, seq, -1, -1);
  }

  /**
   * Raw next-token logits (a copy, length nVocab) after position i of the last evalTokens call;
   * negative i counts from its end (-1: the last token).
   */
  logitsAt(i = -1): Float32Array {
    const idx = i < 0 ? this.lastCount + i : i;
    if (this.lastCount === 0 || idx < 0 || idx >= this.lastCount) {
      throw new RangeError(`logitsAt(${i}): the last evalTokens call had ${this.lastCount} tokens`);
    }
    if (!this.lastAllLogits && idx !== this.lastCount - 1) {
      throw new RangeError("only the last position has logits; call evalTokens with { allLogits: true }");
    }
    if (idx < this.savedLogits.length) return this.savedLogits[idx];
    const inChunk = this.lastAllLogits ? idx - this.savedLogits.length : -1;
    return this.readLogits(inChunk);
  }

  private readLogits(batchIndex: number): Float32Array {
    const p = this.lib.getLogitsIth(this.ptr, batchIndex);
    if (p === null) throw new Error(`llama_get_logits_ith(${batchIndex}) returned NULL`);
    return new Float32Array(koffi.view(p, 4 * this.model.nVocab).slice(0));
  }

  /**
   * Runs `op` now, or right after the decode in flight when one runs on the worker thread: changing
   * adapters while llama.cpp computes with them would race.
   */
  whenIdle(op: () => void): void {
    if (this.inFlight) this.deferred.push(op);
    else op();
  }

  private runDeferred(): void {
    const ops = this.deferred;
    this.deferred = [];
    for (const op of ops) op();
  }

  /**
   * Sets the control vector used from the next evaluated token on: strength · layers[il] added to
   * block il's output. Only the layers given are steered.
   */
  setControlVector(layers: ControlVector, strength = 1): void {
    const { nEmbd, nLayers } = this.model;
    if (layers.length > nLayers)
      throw new RangeError(`control vector has ${layers.length} layers; the model has ${nLayers}`);
    if (layers[0] !== undefined) {
      throw new RangeError("llama.cpp cannot steer block 0; leave layers[0] undefined and start at layer 1");
    }
    const data = new Float32Array(nEmbd * (nLayers - 1)); // llama.cpp's layout: layer 1 first
    let first = -1;
    let last = -1;
    layers.forEach((v, il) => {
      if (v === undefined) return;
      if (v.length !== nEmbd)
        throw new RangeError(`control vector layer ${il} has ${v.length} values; n_embd is ${nEmbd}`);
      const off = nEmbd * (il - 1);
      for (let j = 0; j < nEmbd; j++) data[off + j] = strength * v[j];
      if (first < 0) first = il;
      last = il;
    });
    if (first < 0) {
      this.clearControlVector();
      return;
    }
    this.enterState(`${first}-${last}:${contentHash(data)}`, this.loraEpoch);
    this.whenIdle(() => {
      const rc = this.lib.setAdapterCvec(this.ptr, data, data.length, nEmbd, first, last);
      if (rc !== 0) throw new Error(`llama_set_adapter_cvec failed with code ${rc}`);
    });
  }

  clearControlVector(): void {
    this.enterState("none", this.loraEpoch);
    this.whenIdle(() => this.lib.setAdapterCvec(this.ptr, null, 0, this.model.nEmbd, -1, -1));
  }

  /** Replaces the set of active LoRA adapters (an empty list removes them all). */
  setLoras(settings: readonly LoraSetting[]): void {
    this.enterState(this.vectorKey, this.loraEpoch + 1);
    const adapters = settings.map((s) => s.lora);
    const scales = Float32Array.from(settings.map((s) => s.scale));
    this.whenIdle(() => {
      const rc = this.lib.setAdaptersLora(this.ptr, adapters, adapters.length, scales);
      if (rc !== 0) throw new Error(`llama_set_adapters_lora failed with code ${rc}`);
    });
  }

  /** The adapter state's id for (control vector key, LoRA epoch): the same pair, the same id. */
  private enterState(vectorKey: string, loraEpoch: number): void {
    this.vectorKey = vectorKey;
    this.loraEpoch = loraEpoch;
    const key = `${vectorKey}|${loraEpoch}`;
    if (this.stateIds.size >= 4096) this.stateIds.clear(); // ids are never reused: older tokens just stop matching
    let id = this.stateIds.get(key);
    if (id === undefined) {
      id = this.nextStateId++;
      this.stateIds.set(key, id);
    }
    this.adapterState = id;
  }

  /** Drops cached tokens from position n on (n = 0: empty the cache); returns how many stay. */
  truncate(n = 0): number {
    if (n < this.tokens.length) {
      const mem = this.lib.getMemory(this.ptr);
      // A partial removal can fail (recurrent models keep no per-position state): then start over.
      if (n === 0 || !this.lib.memorySeqRm(mem, 0, n, -1)) {
        this.lib.memoryClear(mem, false);
        n = 0;
      }
      this.tokens.length = n;
      this.tokenStates.length = n;
    }
    this.lastCount = 0;
    this.savedLogits = [];
    return this.tokens.length;
  }

  /**
   * How many leading tokens of `prompt` the cache already holds, computed under the current
   * control vector and LoRA; at most prompt.length - 1, so the last token is evaluated for its logits.
   */
  reusablePrefix(prompt: readonly number[]): number {
    const max = Math.min(this.tokens.length, prompt.length - 1);
    let n = 0;
    while (n < max && this.tokens[n] === prompt[n] && this.tokenStates[n] === this.adapterState) n++;
    return n;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.lib.batchFree(this.batch);
    this.lib.free(this.ptr);
  }
}

/**
 * A key for a control vector's contents: SHA-1 of its values' bytes. (A word-wise FNV hash is blind to the sign:
 * flipping every value's top bit leaves it unchanged when an even number of values are non-zero, so -v read v's cache.)
 */
function contentHash(data: Float32Array): string {
  return createHash("sha1")
    .update(new Uint8Array(data.buffer, data.byteOffset, data.byteLength))
    .digest("hex");
}
