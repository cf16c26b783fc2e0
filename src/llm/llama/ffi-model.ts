import { InputError } from "../../core/index.js";
import type { Libllama, LoraPtr, ModelPtr, VocabPtr } from "./libllama.js";
import { LOAD_MODE } from "./llama-structs.js";

/**
 * A GGUF model opened through the FFI layer (its own llama_model, beside node-llama-cpp's): the
 * tokenizer, the model's shape and LoRA adapters loaded against it. Close it after its contexts.
 */
export class FfiModel {
  readonly nEmbd: number;
  readonly nLayers: number;
  readonly nVocab: number;
  readonly trainContextSize: number;
  readonly vocab: VocabPtr;
  private readonly loras = new Set<LoraPtr>();
  private closed = false;

  private constructor(
    readonly lib: Libllama,
    readonly ptr: ModelPtr,
    readonly path: string,
  ) {
    this.vocab = lib.modelGetVocab(ptr);
    this.nEmbd = lib.modelNEmbd(ptr);
    this.nLayers = lib.modelNLayer(ptr);
    this.nVocab = lib.vocabNTokens(this.vocab);
    this.trainContextSize = lib.modelNCtxTrain(ptr);
  }

  /** Loads on the CPU, memory-mapped (so a second load of the same file shares the page cache). */
  static open(lib: Libllama, path: string): FfiModel {
    const params = lib.modelDefaultParams();
    params.n_gpu_layers = 0;
    params.load_mode = LOAD_MODE.mmap;
    const ptr = lib.modelLoadFromFile(path, params);
    if (ptr === null) {
      throw new InputError({ file: path }, "llama.cpp could not load this GGUF model", {
        hint: "check that the file is a complete GGUF model of an architecture this llama.cpp supports",
      });
    }
    return new FfiModel(lib, ptr, path);
  }

  /** Text -> token ids. `special`: parse control-token text such as <|im_start|> as those tokens. */
  tokenize(text: string, opts: { addSpecial?: boolean; special?: boolean } = {}): number[] {
    const bytes = Buffer.from(text, "utf8");
    const tokenizeInto = (out: Int32Array) =>
      this.lib.tokenize(
        this.vocab,
        bytes,
        bytes.length,
        out,
        out.length,
        opts.addSpecial ?? false,
        opts.special ?? true,
      );
    let out = new Int32Array(bytes.length + 8);
    let n = tokenizeInto(out);
    if (n < 0) {
      // -n is the number of tokens: retry once with room for all of them
      out = new Int32Array(-n);
      n = tokenizeInto(out);
    }
    if (n < 0) throw new Error(`llama_tokenize failed (${n}) on ${bytes.length} bytes`);
    return Array.from(out.subarray(0, n));
  }

  /** One token's bytes (a piece may hold half a UTF-8 character; decode a run of pieces together). */
  tokenBytes(token: number, special = false): Buffer {
    let buf = Buffer.alloc(64);
    let n = this.lib.tokenToPiece(this.vocab, token, buf, buf.length, 0, special);
    if (n < 0) {
      buf = Buffer.alloc(-n);
      n = this.lib.tokenToPiece(this.vocab, token, buf, buf.length, 0, special);
    }
    return buf.subarray(0, Math.max(0, n));
  }

  detokenize(tokens: readonly number[], special = false): string {
    return Buffer.concat(tokens.map((t) => this.tokenBytes(t, special))).toString("utf8");
  }

  isEog(token: number): boolean {
    return this.lib.vocabIsEog(this.vocab, token);
  }

  get addBos(): boolean {
    return this.lib.vocabGetAddBos(this.vocab);
  }

  /** Loads a LoRA GGUF against this model; apply it to a context with FfiContext.setLoras. */
  loadLora(path: string): LoraPtr {
    const lora = this.lib.adapterLoraInit(this.ptr, path);
    if (lora === null) {
      throw new InputError({ file: path }, "llama.cpp could not load this LoRA adapter", {
        hint: "the adapter must be a GGUF LoRA (general.type=adapter) made for this base model's shapes",
      });
    }
    this.loras.add(lora);
    return lora;
  }

  freeLora(lora: LoraPtr): void {
    if (this.loras.delete(lora)) this.lib.adapterLoraFree(lora);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const l of this.loras) this.lib.adapterLoraFree(l);
    this.loras.clear();
    this.lib.modelFree(this.ptr);
  }
}
