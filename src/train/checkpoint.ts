import { createHash } from "node:crypto";
import {
  closeSync,
  copyFileSync,
  existsSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
} from "node:fs";
import { join } from "node:path";
import { CorruptFileError, fsyncDir, NotFoundError, writeFileAtomic } from "../core/index.js";
import type { LlamaConfig } from "../engine/index.js";
import { readSafetensors, writeSafetensors } from "../engine/index.js";

/** A tensor as the checkpoint stores it (the engine's Param has these fields). */
export type ShapedTensor = { shape: number[]; data: Float32Array };
export type OptimizerState = { step: number; m: Map<string, Float32Array>; v: Map<string, Float32Array> };

/** Everything a run needs to continue exactly where it stopped. */
export type CheckpointState = {
  step: number; // the next step to run
  weights: Map<string, ShapedTensor>;
  optimizer: OptimizerState;
  rngState: number[];
  cursor: unknown; // the data source's position (JSON), validated by the stage on load
  llamaConfig: LlamaConfig;
  trainConfig: unknown; // the stage's own config (JSON), validated by the stage on load
  /** The trainer's own state beyond weights, moments, RNG and cursor (early stopping, a stage's extra state). */
  trainerState?: unknown;
};

/** checkpoint.json: written last, so its presence means the folder is complete; it lists every file's size and hash. */
type Manifest = {
  format: "ideasteer-checkpoint";
  version: 1;
  step: number;
  rngState: number[];
  cursor: unknown;
  llamaConfig: LlamaConfig;
  trainConfig: unknown;
  trainerState?: unknown; // absent in checkpoints written before the trainer skeleton
  optimizerStep: number;
  files: Record<string, { bytes: number; sha256: string }>;
};

const MANIFEST = "checkpoint.json";
const WEIGHTS = "model.safetensors";
const MOMENTS = "optimizer.safetensors";
export const CHECKPOINT_TOKENIZER = "tokenizer.json";
const stepName = (step: number) => `step-${String(step).padStart(8, "0")}`;

/**
 * Writes <runDir>/checkpoints/step-NNNNNNNN/ atomically: every file goes into a temp folder in the run folder
 * and is fsynced, the manifest is written last, then the folder is renamed into place (a crash leaves either
 * the old set of checkpoints or the new one). Keeps the newest `keep` checkpoints.
 */
export function saveCheckpoint(
  runDir: string,
  s: CheckpointState & { tokenizerPath: string; keep: number; protect?: number },
): string {
  const root = join(runDir, "checkpoints");
  mkdirSync(root, { recursive: true });
  const final = join(root, stepName(s.step));
  // Staged beside checkpoints/, not in it: checkpoints/ only ever lists whole checkpoints, even to a watcher.
  const tmp = join(runDir, `.${stepName(s.step)}.tmp-${process.pid}`);
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp);
  const shapes = new Map([...s.weights].map(([k, t]) => [k, t.shape]));
  writeSafetensors(
    join(tmp, WEIGHTS),
    new Map([...s.weights].map(([k, t]) => [k, { dtype: "F32" as const, shape: t.shape, data: t.data }])),
    { format: "ideasteer-llama", step: String(s.step) },
  );
  const moments = new Map<string, { dtype: "F32"; shape: number[]; data: Float32Array }>();
  for (const [kind, map] of [
    ["m", s.optimizer.m],
    ["v", s.optimizer.v],
  ] as const) {
    for (const [k, data] of map)
      moments.set(`${kind}.${k}`, { dtype: "F32", shape: shapes.get(k) ?? [data.length], data });
  }
  writeSafetensors(join(tmp, MOMENTS), moments, { format: "ideasteer-adamw", step: String(s.optimizer.step) });
  copyFileSync(s.tokenizerPath, join(tmp, CHECKPOINT_TOKENIZER));
  fsyncFile(join(tmp, CHECKPOINT_TOKENIZER));
  const files: Manifest["files"] = {};
  for (const f of [WEIGHTS, MOMENTS, CHECKPOINT_TOKENIZER]) files[f] = describeFile(join(tmp, f));
  const manifest: Manifest = {
    format: "ideasteer-checkpoint",
    version: 1,
    step: s.step,
    rngState: s.rngState,
    cursor: s.cursor,
    llamaConfig: s.llamaConfig,
    trainConfig: s.trainConfig,
    trainerState: s.trainerState,
    optimizerStep: s.optimizer.step,
    files,
  };
  writeFileAtomic(join(tmp, MANIFEST), `${JSON.stringify(manifest, null, 2)}\n`);
  if (existsSync(final)) {
    // Re-saving a step (a resumed run that reaches it again): swap, so a crash between leaves one whole copy.
    const old = `${final}.old-${process.pid}`;
    renameSync(final, old);
    renameSync(tmp, final);
    rmSync(old, { recursive: true, force: true });
  } else renameSync(tmp, final);
  fsyncDir(root);
  fsyncDir(runDir);
  pruneCheckpoints(root, s.keep, s.protect);
  return final;
}

/** Reads and verifies a checkpoint folder (or a run folder: its newest checkpoint). */
export function loadCheckpoint(path: string): CheckpointState & { dir: string; tokenizerPath: string } {
  const dir = existsSync(join(path, MANIFEST)) ? path : (latestCheckpoint(path) ?? missing(path));
  const manifestPath = join(dir, MANIFEST);
  let m: Manifest;
  try {
    m = JSON.parse(readFileSync(manifestPath, "utf8")) as Manifest;
  } catch (e) {
    throw new CorruptFileError(manifestPath, "checkpoint manifest is not readable JSON", { cause: e });
  }
  if (m.format !== "ideasteer-checkpoint" || m.version !== 1)
    throw new CorruptFileError(manifestPath, `not an ideasteer checkpoint (format ${m.format}, version ${m.version})`);
  for (const [f, want] of Object.entries(m.files)) {
    const p = join(dir, f);
    if (!existsSync(p)) throw new CorruptFileError(p, "listed in the checkpoint manifest but missing");
    const got = describeFile(p);
    if (got.bytes !== want.bytes)
      throw new CorruptFileError(p, `has ${got.bytes} bytes, the manifest says ${want.bytes} (truncated?)`, {
        hint: "resume from an earlier checkpoint (delete this one)",
      });
    if (got.sha256 !== want.sha256)
      throw new CorruptFileError(p, "content does not match the manifest's SHA-256 (corrupt)", {
        hint: "resume from an earlier checkpoint (delete this one)",
      });
  }
  const weights = new Map<string, ShapedTensor>();
  for (const [k, t] of readSafetensors(join(dir, WEIGHTS)).tensors)
    weights.set(k, { shape: t.shape, data: asF32(t.data, join(dir, WEIGHTS), k) });
  const mom = readSafetensors(join(dir, MOMENTS)).tensors;
  const optimizer: OptimizerState = { step: m.optimizerStep, m: new Map(), v: new Map() };
  for (const [k, t] of mom) {
    const dot = k.indexOf(".");
    const kind = k.slice(0, dot);
    const target = kind === "m" ? optimizer.m : kind === "v" ? optimizer.v : undefined;
    if (!target) throw new CorruptFileError(join(dir, MOMENTS), `unexpected tensor ${k}`);
    target.set(k.slice(dot + 1), asF32(t.data, join(dir, MOMENTS), k));
  }
  return {
    dir,
    step: m.step,
    weights,
    optimizer,
    rngState: m.rngState,
    cursor: m.cursor,
    llamaConfig: m.llamaConfig,
    trainConfig: m.trainConfig,
    trainerState: m.trainerState,
    tokenizerPath: join(dir, CHECKPOINT_TOKENIZER),
  };
}

/** The newest complete checkpoint under a run folder, or null. Folders without a manifest are unfinished. */
export function latestCheckpoint(runDir: string): string | null {
  return completeCheckpoints(runDir)[0] ?? null;
}

/** Every complete checkpoint folder under a run folder (manifest written), newest first. */
export function completeCheckpoints(runDir: string): string[] {
  const root = join(runDir, "checkpoints");
  if (!existsSync(root)) return [];
  return readdirSync(root)
    .filter((n) => /^step-\d{8}$/.test(n) && existsSync(join(root, n, MANIFEST)))
    .sort()
    .reverse()
    .map((n) => join(root, n));
}

/** Keeps the newest `keep` checkpoints, and the one at step `protect` (the best evaluation so far: what gets exported). */
function pruneCheckpoints(root: string, keep: number, protect?: number): void {
  const all = readdirSync(root)
    .filter((n) => /^step-\d{8}$/.test(n))
    .sort();
  const kept = protect === undefined ? "" : stepName(protect);
  for (const n of all.slice(0, Math.max(0, all.length - keep)))
    if (n !== kept) rmSync(join(root, n), { recursive: true, force: true });
}

function describeFile(p: string): { bytes: number; sha256: string } {
  return { bytes: statSync(p).size, sha256: createHash("sha256").update(readFileSync(p)).digest("hex") };
}

function fsyncFile(p: string): void {
  const fd = openSync(p, "r");
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

function asF32(data: ArrayBufferView, file: string, name: string): Float32Array {
  if (!(data instanceof Float32Array)) throw new CorruptFileError(file, `tensor ${name} is not F32`);
  return data;
}

function missing(path: string): never {
  throw new NotFoundError(
    "checkpoint",
    path,
    "pass a checkpoint folder (…/checkpoints/step-N) or a run folder that has one",
  );
}
