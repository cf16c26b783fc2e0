import { CorruptFileError } from "../core/index.js";
import { readGguf, readGgufTensor, writeGguf } from "../engine/index.js";
import type { ControlVector } from "../llm/index.js";

/**
 * A controller as llama.cpp's control-vector GGUF (what `llama-cli --control-vector file.gguf` loads, as the
 * files of its control-vector generator and repeng): general.architecture "controlvector", one F32 tensor
 * `direction.<il>` of n_embd values per steered layer il >= 1 (llama.cpp cannot steer layer 0).
 */
export function writeControlVectorGguf(path: string, layers: ControlVector, o: { modelHint: string }): void {
  const tensors = layers.flatMap((v, il) => {
    if (!v) return [];
    if (il === 0) throw new Error("layer 0 cannot be steered (llama.cpp applies control vectors from layer 1)");
    return [{ name: `direction.${il}`, type: "F32" as const, shape: [v.length], data: v }];
  });
  if (tensors.length === 0) throw new Error("a control vector needs at least one layer");
  writeGguf(path, {
    metadata: {
      "general.architecture": { type: "string", value: "controlvector" },
      "controlvector.model_hint": { type: "string", value: o.modelHint },
      "controlvector.layer_count": { type: "u32", value: layers.length - 1 },
    },
    tensors,
  });
}

/** Reads a control-vector GGUF back as per-layer directions (index = layer; unsteered layers undefined). */
export function readControlVectorGguf(path: string): ControlVector {
  const f = readGguf(path);
  if (f.metadata["general.architecture"]?.value !== "controlvector")
    throw new CorruptFileError(path, "not a control-vector GGUF (general.architecture is not controlvector)");
  const layers: (Float32Array | undefined)[] = [];
  for (const t of f.tensors) {
    const il = Number(/^direction\.(\d+)$/.exec(t.name)?.[1] ?? Number.NaN);
    if (!Number.isInteger(il) || il < 1) throw new CorruptFileError(path, `unexpected tensor ${t.name}`);
    layers[il] = readGgufTensor(f, t.name);
  }
  return layers;
}
