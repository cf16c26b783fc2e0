/**
 * The one place that loads the C++ kernels (native/, built by `npm run build` with node-gyp). Everything else in
 * the engine calls them through `kernels()`, so the backend can be replaced by editing this file alone.
 * Arrays are Float32Array or Float64Array (one kind per call); backward kernels add into their gradient outputs.
 */
import { createRequire } from "node:module";

export type FloatArray = Float32Array | Float64Array;

export type NativeKernels = {
  gemm(
    transA: boolean,
    transB: boolean,
    M: number,
    N: number,
    K: number,
    alpha: number,
    A: FloatArray,
    lda: number,
    B: FloatArray,
    ldb: number,
    beta: number,
    C: FloatArray,
    ldc: number,
  ): void;
  rmsNormForward(
    x: FloatArray,
    w: FloatArray,
    y: FloatArray,
    rstd: FloatArray,
    rows: number,
    D: number,
    eps: number,
  ): void;
  rmsNormBackward(
    dy: FloatArray,
    x: FloatArray,
    w: FloatArray,
    rstd: FloatArray,
    dx: FloatArray,
    dw: FloatArray,
    rows: number,
    D: number,
  ): void;
  rope(
    x: FloatArray,
    y: FloatArray,
    rows: number,
    T: number,
    nHeads: number,
    headDim: number,
    theta: number,
    posOffset: number,
    inverse: boolean,
    accumulate: boolean,
  ): void;
  /**
   * Fused causal attention (online softmax, no T x T matrix). q, out: [B*Tq, nHeads*headDim]; k, v:
   * [B*Tk, nKvHeads*headDim]; query row r is at position Tk - Tq + r. lse: [B, nHeads, Tq], or null when no
   * backward pass follows.
   */
  attentionForward(
    q: FloatArray,
    k: FloatArray,
    v: FloatArray,
    out: FloatArray,
    lse: FloatArray | null,
    B: number,
    Tq: number,
    Tk: number,
    nHeads: number,
    nKvHeads: number,
    headDim: number,
  ): void;
  /** Training shape (Tq = Tk = T); out and lse are the forward's; adds into dq, dk, dv. */
  attentionBackward(
    dout: FloatArray,
    q: FloatArray,
    k: FloatArray,
    v: FloatArray,
    out: FloatArray,
    lse: FloatArray,
    dq: FloatArray,
    dk: FloatArray,
    dv: FloatArray,
    B: number,
    T: number,
    nHeads: number,
    nKvHeads: number,
    headDim: number,
  ): void;
  swigluForward(g: FloatArray, u: FloatArray, h: FloatArray, n: number): void;
  swigluBackward(dh: FloatArray, g: FloatArray, u: FloatArray, dg: FloatArray, du: FloatArray, n: number): void;
  crossEntropyForward(
    logits: FloatArray,
    targets: Int32Array,
    mask: FloatArray | null,
    lse: FloatArray,
    rows: number,
    V: number,
  ): number;
  crossEntropyBackward(
    logits: FloatArray,
    targets: Int32Array,
    mask: FloatArray | null,
    lse: FloatArray,
    dlogits: FloatArray,
    rows: number,
    V: number,
    scale: number,
  ): void;
  embeddingForward(W: FloatArray, tokens: Int32Array, out: FloatArray, rows: number, D: number, vocab: number): void;
  embeddingBackward(dy: FloatArray, tokens: Int32Array, dW: FloatArray, rows: number, D: number, vocab: number): void;
  adamwStep(
    p: FloatArray,
    g: FloatArray,
    m: FloatArray,
    v: FloatArray,
    lr: number,
    beta1: number,
    beta2: number,
    eps: number,
    weightDecay: number,
    biasCorrection1: number,
    biasCorrection2: number,
  ): void;
  /** y += alpha x; x is one row of D broadcast over y's rows when D < n. */
  axpy(y: FloatArray, x: FloatArray, alpha: number, n: number, D: number): void;
  /** y[j] += sum over rows of x[r, j]. */
  sumRows(y: FloatArray, x: FloatArray, rows: number, D: number): void;
  sumSquares(x: FloatArray): number;
  scale(x: FloatArray, f: number): void;
  setNumThreads(n: number): void;
  getNumThreads(): number;
  /** The instruction set the float kernels run on: AVX-512 when the CPU has it, unless forced to AVX2. */
  getIsa(): Isa;
  /** Switches the float kernels' instruction set; false (nothing changed) when the CPU lacks it. */
  setIsa(isa: Isa): boolean;
  cpuHasAvx512(): boolean;
  /** One core's float32 FMA throughput on `isa` (GFLOP/s by thread CPU time, best ~20 ms round of `seconds`). */
  fmaPeakGflops(isa: Isa, seconds: number): number;
};

/** AVX-512 kernels are chosen at load by CPUID; IDEASTEER_ENGINE_ISA=avx2 (read by the addon) forces AVX2. */
export type Isa = "avx2" | "avx512";

const ADDON_PATH = new URL("../../native/build/Release/ideasteer_engine.node", import.meta.url);

let loaded: NativeKernels | undefined; // a cache of an immutable module, not state: loading twice gives the same thing

/** The native kernels; throws with the fix when the addon has not been built. */
export function kernels(): NativeKernels {
  if (loaded) return loaded;
  // OpenMP's threads sleep at barriers instead of spinning, unless the user chose otherwise. Measured on the
  // shared 2-core machine (load ~8): 2 threads made 207 tok/s spinning and 1,296 sleeping, because a spinning
  // thread burns the time slice its partner needs to reach the barrier. libgomp reads this once, at load.
  process.env.OMP_WAIT_POLICY ??= "passive";
  try {
    loaded = createRequire(import.meta.url)(ADDON_PATH.pathname) as NativeKernels;
  } catch (err) {
    throw new Error(
      `the engine's native kernels are not built (${ADDON_PATH.pathname}): run \`npm run build\` ` +
        `(node-gyp rebuild --directory native); cause: ${(err as Error).message}`,
    );
  }
  return loaded;
}

/** Threads used by the kernels (OpenMP), as torch.set_num_threads. */
/**
 * gemm(false, true, M, …) with M up to this many rows takes dot products (token-by-token decoding); with more it runs
 * the blocked kernel, whose every output row comes out the same bits whatever the other rows are. Code that wants a
 * row's result not to depend on how rows were batched runs more rows than this.
 */
export const GEMV_MAX_ROWS = 4;

export const setNumThreads = (n: number): void => kernels().setNumThreads(n);
export const getNumThreads = (): number => kernels().getNumThreads();
/** The instruction set the engine's float kernels run on ("avx512" or "avx2"). */
export const getIsa = (): Isa => kernels().getIsa();
