import type { TokenBatch } from "../engine/index.js";
import { parseSamplerCursor, permutation } from "./batch-sampler.js";
import type { SftExample } from "./sft-data.js";
import type { DataSource } from "./train-stage.js";

/**
 * Prompt/target rows as one padded batch: row i is prompt ++ target shifted by one, T is the longest row in the
 * batch, and the mask is 1 exactly where the next token is a target token (the loss is on the idea only; prompt
 * and padding carry none).
 */
export function sftBatch(rows: readonly SftExample[], padId: number): TokenBatch {
  const B = rows.length;
  const T = Math.max(...rows.map((r) => r.prompt.length + r.target.length - 1));
  const tokens = new Int32Array(B * T).fill(padId);
  const targets = new Int32Array(B * T).fill(padId);
  const mask = new Float32Array(B * T);
  rows.forEach((r, b) => {
    const seq = [...r.prompt, ...r.target];
    for (let t = 0; t + 1 < seq.length; t++) {
      tokens[b * T + t] = seq[t] as number;
      targets[b * T + t] = seq[t + 1] as number;
      if (t + 1 >= r.prompt.length) mask[b * T + t] = 1;
    }
  });
  return { tokens, targets, mask, B, T };
}

/**
 * Length buckets: rows sorted by length (ties by position) and cut into groups of B, so a batch pads little.
 * The last group may be smaller. Deterministic: the same rows give the same groups.
 */
export function lengthBuckets(rows: readonly SftExample[], B: number): number[][] {
  const order = rows
    .map((r, i) => ({ i, n: r.prompt.length + r.target.length }))
    .sort((a, b) => a.n - b.n || a.i - b.i)
    .map((x) => x.i);
  const groups: number[][] = [];
  for (let at = 0; at < order.length; at += B) groups.push(order.slice(at, at + B));
  return groups;
}

/**
 * The SFT training stream: the length buckets in a fresh permutation per epoch (seed, epoch), one bucket per
 * micro-batch. Its cursor {epoch, index} restores the exact order, as the pretraining sampler's does.
 */
export function createSftSampler(
  rows: readonly SftExample[],
  o: { B: number; seed: number; padId: number; cursor?: unknown },
): DataSource<TokenBatch> & { readonly batchesPerEpoch: number } {
  const groups = lengthBuckets(rows, o.B);
  if (groups.length === 0) throw new Error("SFT training split is empty");
  let { epoch, index } = parseSamplerCursor(o.cursor) ?? { epoch: 0, index: 0 };
  let order = permutation(groups.length, o.seed, epoch);
  return {
    batchesPerEpoch: groups.length,
    cursor: () => ({ epoch, index }),
    next() {
      if (index >= groups.length) {
        epoch++;
        index = 0;
        order = permutation(groups.length, o.seed, epoch);
      }
      const group = groups[order[index++] as number] as number[];
      return sftBatch(
        group.map((i) => rows[i] as SftExample),
        o.padId,
      );
    },
  };
}

/** Held-out batches: every row once, in length buckets (fixed, so loss/val compares across evaluations). */
export function sftEvalBatches(rows: readonly SftExample[], B: number, padId: number): TokenBatch[] {
  return lengthBuckets(rows, B).map((g) =>
    sftBatch(
      g.map((i) => rows[i] as SftExample),
      padId,
    ),
  );
}

/**
 * The same targets after another paper: row i's idea behind row (i + shift)'s prompt, a fixed derangement.
 * The loss gap between these and the true pairs is how much the model uses the paper it reads.
 */
export function withShuffledPapers(rows: readonly SftExample[], shift = 1): SftExample[] {
  const n = rows.length;
  if (n < 2) return [...rows];
  const s = ((shift % n) + n) % n || 1;
  return rows.map((r, i) => {
    // Two citing papers can share their supporting paper: skip partners whose paper is this row's own.
    let j = (i + s) % n;
    for (let tries = 0; tries < n && (rows[j] as SftExample).supportingId === r.supportingId && j !== i; tries++)
      j = (j + 1) % n;
    return { ...r, prompt: (rows[j] as SftExample).prompt };
  });
}
