import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { NotFoundError } from "../core/index.js";
import { DIMENSIONS, type Dimension, type Scores } from "../idea/index.js";
import type { ControlVector } from "../llm/index.js";
import { readControlVectorGguf } from "./control-vector-file.js";

/** One controller per dimension (DESIGN §4): per layer a direction, as llama.cpp control vectors. */
export type ControllerSet = { vectors: Record<Dimension, ControlVector>; epsMax: number; dir: string };

/**
 * Controllers as `<dir>/<dimension>.gguf` (what `steer extract --out <dir>` writes) or beside a policy as
 * `<dir>/controllers/<dimension>.gguf` (what `train rl` writes), with the strength at weight 1 (`epsMax` in
 * rl-config.json or controllers.json; default 1).
 */
export function loadControllerSet(dir: string): ControllerSet {
  const base = existsSync(join(dir, "novelty.gguf")) ? dir : join(dir, "controllers");
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
  return { vectors, epsMax: readEpsMax(dir, base), dir };
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
 * Static control (DESIGN §4's ablation): eps_k = epsMax · w_k for the whole idea, applied as one vector per layer,
 * Σ_k eps_k v_k,l. Returns the vector and the strengths.
 */
export function staticSteering(set: ControllerSet, w: Scores): { vector: ControlVector; eps: number[] } {
  const eps = DIMENSIONS.map((d) => set.epsMax * w[d]);
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
