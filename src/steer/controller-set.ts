import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { CorruptFileError, NotFoundError } from "../core/index.js";
import { DIMENSIONS, type Dimension, type Scores } from "../idea/index.js";
import type { ControlVector } from "../llm/index.js";
import { calibratedWeights } from "./calibration.js";
import { readControlVectorGguf } from "./control-vector-file.js";

/**
 * One controller per dimension (DESIGN §4): per layer a direction, as llama.cpp control vectors; `calibration`
 * (controllers.json, `steer calibrate`): the 3 x 3 C of u = 1/3 + C (w − 1/3), the weights static control applies.
 */
export type ControllerSet = {
  vectors: Record<Dimension, ControlVector>;
  epsMax: number;
  dir: string;
  calibration?: number[][];
};

/**
 * Controllers as `<dir>/<dimension>.gguf` (what `steer extract --out <dir>` writes) or beside a policy as
 * `<dir>/controllers/<dimension>.gguf` (what `train rl` writes), with the strength at weight 1 (`epsMax` in
 * rl-config.json or controllers.json; default 1).
 */
export function loadControllerSet(dir: string): ControllerSet {
  const base = controllerFolder(dir) ?? join(dir, "controllers");
  const files = DIMENSIONS.map((d) => join(base, `${d}.gguf`));
  const missing = files.find((f) => !existsSync(f));
  if (missing)
    throw new NotFoundError(
      "controller",
      missing,
      "train them with `ideasteer train rl` (our policy) or `ideasteer steer extract` (any GGUF model)",
    );
  const vectors = Object.fromEntries(
    DIMENSIONS.map((d, k) => [d, readControlVectorGguf(files[k] as string)]),
  ) as Record<Dimension, ControlVector>;
  const calibration = readCalibration(base);
  return { vectors, epsMax: readEpsMax(dir, base), dir, ...(calibration ? { calibration } : {}) };
}

/** The folder that holds the controllers: `dir` itself, or its controllers/ subfolder (beside a policy); none: undefined. */
export function controllerFolder(dir: string): string | undefined {
  return [dir, join(dir, "controllers")].find((d) => existsSync(join(d, "novelty.gguf")));
}

function readCalibration(base: string): number[][] | undefined {
  const f = join(base, "controllers.json");
  if (!existsSync(f)) return undefined;
  const c = (JSON.parse(readFileSync(f, "utf8")) as { calibration?: { matrix?: unknown } }).calibration?.matrix;
  if (c === undefined) return undefined;
  const ok =
    Array.isArray(c) &&
    c.length === 3 &&
    c.every((r) => Array.isArray(r) && r.length === 3 && r.every((x) => typeof x === "number" && Number.isFinite(x)));
  if (!ok) throw new CorruptFileError(f, "calibration.matrix must be 3 x 3 finite numbers");
  return c as number[][];
}

function readEpsMax(dir: string, base: string): number {
  for (const f of [join(dir, "rl-config.json"), join(base, "controllers.json")]) {
    if (!existsSync(f)) continue;
    const v = (JSON.parse(readFileSync(f, "utf8")) as { epsMax?: unknown }).epsMax;
    if (typeof v === "number" && Number.isFinite(v) && v >= 0) return v;
  }
  return 1;
}

/**
 * Static control (DESIGN §4's ablation): eps_k = epsMax · u_k for the whole idea (u = w, or the calibrated weights),
 * Σ_k eps_k v_k,l. Returns the vector and the strengths.
 */
export function staticSteering(set: ControllerSet, w: Scores): { vector: ControlVector; eps: number[] } {
  const u = set.calibration ? calibratedWeights(set.calibration, w) : w;
  const eps = DIMENSIONS.map((d) => set.epsMax * u[d]);
  return { vector: combineControllers(set, eps), eps };
}

/** Σ_k eps_k v_k,l per layer (undefined where no dimension has a direction). */
export function combineControllers(set: ControllerSet, eps: readonly number[]): ControlVector {
  const nLayers = Math.max(...DIMENSIONS.map((d) => set.vectors[d].length));
  return Array.from({ length: nLayers }, (_, l) => {
    let out: Float32Array | undefined;
    DIMENSIONS.forEach((d, k) => {
      const v = set.vectors[d][l];
      if (!v) return;
      out ??= new Float32Array(v.length);
      for (let j = 0; j < v.length; j++) out[j] = (out[j] as number) + (eps[k] as number) * (v[j] as number);
    });
    return out;
  });
}
