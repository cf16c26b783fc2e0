import { z } from "zod";
import { CorruptFileError, createRng } from "../core/index.js";
import type { TokenBatch } from "../engine/index.js";

/** Where the sampler is: its whole state, small enough to live in a checkpoint's JSON. */
export const SamplerCursor = z.object({ epoch: z.number().int().min(0), index: z.number().int().min(0) });
export type SamplerCursor = z.infer<typeof SamplerCursor>;

/** A checkpoint's cursor back as a SamplerCursor (undefined: from the start); anything else is a corrupt checkpoint. */
export function parseSamplerCursor(raw: unknown): SamplerCursor | undefined {
  if (raw === undefined) return undefined;
  const parsed = SamplerCursor.safeParse(raw);
  if (!parsed.success)
    throw new CorruptFileError("checkpoint.json", `cursor ${JSON.stringify(raw)} is not {epoch, index}`);
  return parsed.data;
}

export type BatchSampler = {
  next(): TokenBatch;
  cursor(): SamplerCursor;
  readonly windowsPerEpoch: number;
};

/**
 * Random windows of a token stream without replacement: the stream is cut into windows of T + 1 tokens
 * (consecutive windows share one token, so every token is a target once per epoch); each epoch visits
 * them in a permutation drawn from (seed, epoch). The permutation is recomputed from the cursor, so the
 * cursor alone restores the exact batch sequence.
 */
export function createBatchSampler(
  stream: ArrayLike<number>,
  o: { B: number; T: number; seed: number; cursor?: SamplerCursor },
): BatchSampler {
  const { B, T } = o;
  const windowsPerEpoch = Math.floor((stream.length - 1) / T);
  if (windowsPerEpoch < B)
    throw new Error(
      `token stream of ${stream.length} tokens holds ${windowsPerEpoch} windows of ${T + 1}, fewer than B=${B}`,
    );
  let { epoch, index } = o.cursor ?? { epoch: 0, index: 0 };
  let order = permutation(windowsPerEpoch, o.seed, epoch);
  return {
    windowsPerEpoch,
    cursor: () => ({ epoch, index }),
    next() {
      const tokens = new Int32Array(B * T);
      const targets = new Int32Array(B * T);
      for (let b = 0; b < B; b++) {
        if (index >= windowsPerEpoch) {
          epoch++;
          index = 0;
          order = permutation(windowsPerEpoch, o.seed, epoch);
        }
        copyWindow(stream, order[index++] as number, T, tokens, targets, b * T);
      }
      return { tokens, targets, B, T };
    },
  };
}

/**
 * Fixed held-out batches: `count` batches of windows spread evenly over the stream, the same every
 * evaluation, so loss/val is comparable from step to step.
 */
export function evalBatches(stream: ArrayLike<number>, o: { B: number; T: number; count: number }): TokenBatch[] {
  const windows = Math.floor((stream.length - 1) / o.T);
  const wanted = Math.min(windows, o.count * o.B);
  if (wanted < o.B) throw new Error(`held-out stream of ${stream.length} tokens is shorter than one batch`);
  const out: TokenBatch[] = [];
  for (let start = 0; start + o.B <= wanted; start += o.B) {
    const tokens = new Int32Array(o.B * o.T);
    const targets = new Int32Array(o.B * o.T);
    for (let b = 0; b < o.B; b++) {
      const w = Math.floor(((start + b) * windows) / wanted);
      copyWindow(stream, w, o.T, tokens, targets, b * o.T);
    }
    out.push({ tokens, targets, B: o.B, T: o.T });
  }
  return out;
}

function copyWindow(s: ArrayLike<number>, w: number, T: number, tokens: Int32Array, targets: Int32Array, at: number) {
  const from = w * T;
  for (let t = 0; t < T; t++) {
    tokens[at + t] = s[from + t] as number;
    targets[at + t] = s[from + t + 1] as number;
  }
}

/** A permutation of 0..n-1 drawn from (seed, epoch): the same for the same pair, so a cursor restores it. */
export function permutation(n: number, seed: number, epoch: number): Uint32Array {
  const rng = createRng((seed * 1_000_003 + epoch * 7919 + 1) >>> 0);
  const p = new Uint32Array(n);
  for (let i = 0; i < n; i++) p[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    const t = p[i] as number;
    p[i] = p[j] as number;
    p[j] = t;
  }
  return p;
}
