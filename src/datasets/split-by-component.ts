import { createRng } from "../core/index.js";

export const SPLITS = ["train", "val", "test"] as const;
export type SplitName = (typeof SPLITS)[number];
export type SplitRatios = Record<SplitName, number>;

export type SplitInput = {
  nodes: Iterable<string>; // every paper id that appears in any dataset
  edges: Iterable<readonly [string, string]>; // papers that must share a split (citing P - supporting S)
  /** examples per dataset a node brings (e.g. [SFT rows, RM rows]); balances every dataset at once */
  weight: (id: string) => number[];
  ratios: SplitRatios;
  seed: number;
};

export type SplitAssignment = { splitOf: Map<string, SplitName>; components: number; largestComponent: number };

/**
 * Splits by paper with no leak: union-find over the edges gives components (a paper and everything
 * linked to it through P-S pairs), and whole components go to one split. Components are shuffled
 * with the seed and grouped by their primary dataset (the first one they bring examples to: SFT
 * before RM), largest first; each goes to the split furthest below its ratio of that dataset,
 * counting what earlier components already brought to it.
 */
export function splitByComponent(input: SplitInput): SplitAssignment {
  const parent = new Map<string, string>();
  const find = (x: string): string => {
    let r = x;
    while (parent.get(r) !== r) r = parent.get(r) as string;
    let c = x;
    while (c !== r) {
      const next = parent.get(c) as string;
      parent.set(c, r);
      c = next;
    }
    return r;
  };
  const add = (x: string) => {
    if (!parent.has(x)) parent.set(x, x);
  };
  for (const n of input.nodes) add(n);
  for (const [a, b] of input.edges) {
    add(a);
    add(b);
    const ra = find(a);
    const rb = find(b);
    // the smaller id becomes the root, so the result does not depend on edge order
    if (ra < rb) parent.set(rb, ra);
    else if (rb < ra) parent.set(ra, rb);
  }
  const members = new Map<string, string[]>();
  for (const id of [...parent.keys()].sort()) {
    const r = find(id);
    const m = members.get(r);
    if (m) m.push(id);
    else members.set(r, [id]);
  }
  const comps = [...members.values()].map((ids) => {
    const w = sumVectors(ids.map(input.weight));
    return { ids, w, primary: w.findIndex((x) => x > 0), size: w.reduce((a, b) => a + b, 0) };
  });
  createRng(input.seed).shuffle(comps);
  // Stable sort: by primary dataset, then largest first; equal keys keep the seeded order.
  comps.sort((a, b) => rankOf(a.primary) - rankOf(b.primary) || b.size - a.size);

  const dims = Math.max(0, ...comps.map((c) => c.w.length));
  const totals = sumVectors(comps.map((c) => c.w));
  const filled = Object.fromEntries(SPLITS.map((s) => [s, new Array<number>(dims).fill(0)])) as Record<
    SplitName,
    number[]
  >;
  const splitOf = new Map<string, SplitName>();
  for (const c of comps) {
    let best: SplitName = "train";
    if (c.primary >= 0) {
      const d = c.primary;
      const total = totals[d] as number;
      // the split furthest below its share of this component's primary dataset
      let bestDeficit = Number.NEGATIVE_INFINITY;
      for (const s of SPLITS) {
        const deficit = input.ratios[s] - (filled[s][d] as number) / total;
        if (deficit > bestDeficit) {
          bestDeficit = deficit;
          best = s;
        }
      }
    }
    for (let d = 0; d < dims; d++) filled[best][d] = (filled[best][d] as number) + (c.w[d] ?? 0);
    for (const id of c.ids) splitOf.set(id, best);
  }
  return { splitOf, components: comps.length, largestComponent: Math.max(0, ...comps.map((c) => c.ids.length)) };
}

// Components without any example (weight all zero) go last, to train.
const rankOf = (primary: number) => (primary < 0 ? Number.MAX_SAFE_INTEGER : primary);

function sumVectors(vs: number[][]): number[] {
  const out: number[] = [];
  for (const v of vs)
    v.forEach((x, i) => {
      out[i] = (out[i] ?? 0) + x;
    });
  return out;
}
