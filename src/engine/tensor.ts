/**
 * Tensors with reverse-mode autograd, for the engine's models. A tensor is a flat Float32Array (training) or
 * Float64Array (gradient checks) with a shape; an op that has a grad-requiring input records how to send the
 * gradient back, and `backward()` replays those records in reverse topological order (micrograd's tape, kept on
 * the tensors themselves, so there is no global graph). Names follow PyTorch: `requiresGrad`, `grad`,
 * `backward()`, `detach()`, `zeros`. The ops themselves live in ./ops/.
 */
import type { FloatArray } from "./native-kernels.js";

export type { FloatArray };
export type DType = "float32" | "float64";

type Node = { parents: Tensor[]; backward: (grad: FloatArray) => void };

export class Tensor {
  readonly data: FloatArray;
  readonly shape: readonly number[];
  readonly requiresGrad: boolean;
  /** Accumulated gradient (same length as data); allocated on first use. A leaf may share its buffer. */
  grad: FloatArray | null;
  private readonly node: Node | null;

  constructor(
    data: FloatArray,
    shape: readonly number[],
    o: { requiresGrad?: boolean; grad?: FloatArray; node?: Node } = {},
  ) {
    const size = shape.reduce((a, b) => a * b, 1);
    if (size !== data.length)
      throw new Error(`shape [${shape.join(", ")}] needs ${size} values, data has ${data.length}`);
    if (o.grad && o.grad.length !== data.length) throw new Error("grad buffer length differs from data length");
    this.data = data;
    this.shape = shape;
    this.node = o.node ?? null;
    this.requiresGrad = o.requiresGrad ?? this.node !== null;
    this.grad = o.grad ?? null;
  }

  get dtype(): DType {
    return this.data instanceof Float64Array ? "float64" : "float32";
  }
  get size(): number {
    return this.data.length;
  }
  /** Rows of a [..., width] tensor viewed as 2-D. */
  get rows(): number {
    return this.data.length / this.width;
  }
  get width(): number {
    return this.shape[this.shape.length - 1] ?? 1;
  }

  /** Set only while backward() runs: where this tensor's gradient buffer comes from. */
  private pool: GradPool | null = null;

  /** The gradient buffer, allocated (zeros) if needed; ops' backward functions add into it. */
  gradBuffer(): FloatArray {
    if (!this.grad) this.grad = this.pool?.take(this.dtype, this.data.length) ?? alloc(this.dtype, this.data.length);
    return this.grad;
  }

  /** A tensor sharing this one's data, cut from the graph. */
  detach(): Tensor {
    return new Tensor(this.data, this.shape);
  }

  item(): number {
    if (this.data.length !== 1) throw new Error(`item() needs one value, tensor has ${this.data.length}`);
    return this.data[0] as number;
  }

  /**
   * Back-propagates from this tensor: its gradient is seeded with `seed` (a number for every element, or this
   * tensor's whole gradient), then each recorded op adds into its inputs' gradients. Leaf gradients accumulate
   * across calls (zero them between steps).
   */
  backward(seed: number | FloatArray = 1): void {
    if (!this.requiresGrad) throw new Error("backward() on a tensor that does not require grad");
    const order = topoOrder(this);
    // An intermediate gradient is dead once its op has sent it on, and the layers below need buffers of the same
    // sizes: recycling them within this pass saves the zeroed allocations and the GC work (~10% of a step).
    const pool = new GradPool();
    for (const t of order) t.pool = pool;
    try {
      if (typeof seed === "number") this.gradBuffer().fill(seed);
      else if (seed.length !== this.size)
        throw new Error(`backward: seed has ${seed.length} values, tensor ${this.size}`);
      else this.gradBuffer().set(seed);
      for (let i = order.length - 1; i >= 0; i--) {
        const t = order[i] as Tensor;
        if (!t.node || !t.grad) continue;
        t.node.backward(t.grad);
        // A parent may have taken over this very buffer (see passGrad in ops/elementwise.ts); then it lives on.
        if (t.node.parents.every((p) => p.grad !== t.grad)) pool.give(t.grad);
        t.grad = null;
      }
    } finally {
      for (const t of order) {
        t.pool = null;
        if (t.node) t.grad = null; // leaves keep theirs
      }
    }
  }

  /** The node recorded by an op, for topoOrder. */
  static parentsOf(t: Tensor): Tensor[] {
    return t.node?.parents ?? [];
  }
}

/** Free gradient buffers by dtype and length, handed out again zeroed. Lives for one backward pass. */
class GradPool {
  private readonly free = new Map<string, FloatArray[]>();
  take(dtype: DType, n: number): FloatArray | undefined {
    const buf = this.free.get(`${dtype}:${n}`)?.pop();
    return buf?.fill(0);
  }
  give(buf: FloatArray): void {
    const key = `${buf instanceof Float64Array ? "float64" : "float32"}:${buf.length}`;
    const list = this.free.get(key);
    if (list) list.push(buf);
    else this.free.set(key, [buf]);
  }
}

function topoOrder(root: Tensor): Tensor[] {
  const seen = new Set<Tensor>();
  const order: Tensor[] = [];
  // Iterative DFS: graphs of deep models would overflow a recursive one.
  const stack: { t: Tensor; expanded: boolean }[] = [{ t: root, expanded: false }];
  while (stack.length > 0) {
    const top = stack.pop() as { t: Tensor; expanded: boolean };
    if (top.expanded) {
      order.push(top.t);
      continue;
    }
    if (seen.has(top.t)) continue;
    seen.add(top.t);
    stack.push({ t: top.t, expanded: true });
    for (const p of Tensor.parentsOf(top.t)) if (p.requiresGrad && !seen.has(p)) stack.push({ t: p, expanded: false });
  }
  return order;
}

/** Zero-filled storage (gradients accumulate into it). */
export function alloc(dtype: DType, n: number): FloatArray {
  return dtype === "float64" ? new Float64Array(n) : new Float32Array(n);
}

/**
 * Uninitialised storage, as torch.empty, for outputs a kernel overwrites completely: skips the memset that zeroed
 * allocation costs (~5% of a training step at the reference size).
 */
export function empty(dtype: DType, n: number): FloatArray {
  const bytes = Buffer.allocUnsafeSlow(n * (dtype === "float64" ? 8 : 4));
  return dtype === "float64"
    ? new Float64Array(bytes.buffer, bytes.byteOffset, n)
    : new Float32Array(bytes.buffer, bytes.byteOffset, n);
}

/** A new tensor over the given data (not copied). */
export function tensor(data: FloatArray, shape: readonly number[], o: { requiresGrad?: boolean } = {}): Tensor {
  return new Tensor(data, shape, { requiresGrad: o.requiresGrad ?? false });
}

export function zeros(shape: readonly number[], o: { dtype?: DType; requiresGrad?: boolean } = {}): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  return new Tensor(alloc(o.dtype ?? "float32", n), shape, { requiresGrad: o.requiresGrad ?? false });
}

/** A parameter leaf whose gradient accumulates straight into `grad` (no copy after backward). */
export function parameter(data: FloatArray, shape: readonly number[], grad: FloatArray): Tensor {
  return new Tensor(data, shape, { requiresGrad: true, grad });
}

/**
 * The result of an op: records `backward` when any input requires grad, and nothing otherwise (no graph is built
 * under inference, as under torch.no_grad()).
 */
export function fromOp(
  data: FloatArray,
  shape: readonly number[],
  inputs: Tensor[],
  backward: (grad: FloatArray) => void,
): Tensor {
  if (!inputs.some((t) => t.requiresGrad)) return new Tensor(data, shape);
  return new Tensor(data, shape, { node: { parents: inputs, backward } });
}

export function sameDType(...ts: Tensor[]): DType {
  const d = ts[0]?.dtype ?? "float32";
  for (const t of ts) if (t.dtype !== d) throw new Error(`mixed dtypes: ${ts.map((x) => x.dtype).join(", ")}`);
  return d;
}
