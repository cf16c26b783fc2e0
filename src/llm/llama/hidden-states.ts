import { FfiContext } from "./ffi-context.js";
import type { FfiModel } from "./ffi-model.js";
import type { CallbackPtr, Libllama, TensorPtr } from "./libllama.js";

const LAYER_OUT = /^l_out-(\d+)$/; // llama.cpp names each block's output (after the control vector) l_out-<il>

/**
 * Captures per-layer hidden states through llama.cpp's eval callback on a context of its own (the
 * callback costs a JS call per graph node, so the decoding context never carries it).
 * layers[il] is block il's output, row-major [nTokens][nEmbd], with the control vector and LoRA
 * settings the caller applies to `context` before capturing.
 */
export class HiddenStateCapture {
  readonly context: FfiContext;
  private readonly callback: CallbackPtr;
  private chunks: Float32Array[][] | null = null; // per layer, one chunk per ubatch

  constructor(
    private readonly lib: Libllama,
    private readonly model: FfiModel,
    opts: { contextSize: number; threads: number },
  ) {
    this.callback = lib.registerEvalCallback((t, ask) => this.onTensor(t, ask));
    try {
      // One ubatch per call keeps every l_out in one piece for texts up to the context size.
      this.context = new FfiContext(lib, model, { ...opts, batchSize: opts.contextSize, evalCallback: this.callback });
    } catch (e) {
      lib.unregisterCallback(this.callback);
      throw e;
    }
  }

  /** Hidden states of `tokens` evaluated from an empty cache. */
  async capture(tokens: readonly number[]): Promise<Float32Array[]> {
    this.context.truncate(0);
    this.chunks = Array.from({ length: this.model.nLayers }, () => []);
    try {
      // Synchronous decode: the callback then runs on this thread, inside the call.
      await this.context.evalTokens(tokens, { allLogits: true, sync: true });
      return this.chunks.map((parts, il) => {
        if (parts.length === 0) throw new Error(`llama.cpp did not report l_out-${il}`);
        return concat(parts);
      });
    } finally {
      this.chunks = null;
      this.context.truncate(0);
    }
  }

  private onTensor(t: TensorPtr, ask: boolean): boolean {
    if (this.chunks === null) return !ask; // not capturing: ask for nothing, never abort
    const m = LAYER_OUT.exec(this.lib.tensorName(t));
    if (ask) return m !== null;
    if (m !== null) {
      const n = this.lib.tensorNElements(t);
      if (n % this.model.nEmbd !== 0) throw new Error(`l_out-${m[1]} has ${n} values, not a multiple of n_embd`);
      const out = new Float32Array(n);
      this.lib.tensorGet(t, out, 0, this.lib.tensorNBytes(t));
      this.chunks[Number(m[1])]?.push(out);
    }
    return true;
  }

  close(): void {
    this.context.close();
    this.lib.unregisterCallback(this.callback);
  }
}

function concat(parts: Float32Array[]): Float32Array {
  if (parts.length === 1) return parts[0];
  const out = new Float32Array(parts.reduce((a, p) => a + p.length, 0));
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}
