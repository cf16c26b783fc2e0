import assert from "node:assert/strict";
import { test } from "node:test";
import { createRng } from "../core/index.js";
import { SPLITS, splitByComponent } from "./split-by-component.js";

// A random P-S graph: 600 citing papers each linked to one of 400 supporting papers (popular ones
// shared, some chained through papers that are both P and S), plus 3000 review-only papers.
function randomGraph(seed: number) {
  const rng = createRng(seed);
  const edges: [string, string][] = [];
  for (let i = 0; i < 600; i++) {
    const s = rng.next() < 0.3 ? `p${rng.int(600)}` : `s${Math.floor(400 * rng.next() ** 3)}`;
    if (s !== `p${i}`) edges.push([`p${i}`, s]);
  }
  const rm = Array.from({ length: 3000 }, (_, i) => `r${i}`);
  const rmSet = new Set([...rm, ...Array.from({ length: 200 }, (_, i) => `s${i}`)]); // some S are reviewed too
  const sft = new Set(edges.map(([p]) => p));
  return {
    nodes: [...rm, ...edges.flat()],
    edges,
    weight: (id: string) => [sft.has(id) ? 1 : 0, rmSet.has(id) ? 1 : 0],
    ratios: { train: 0.8, val: 0.1, test: 0.1 },
  };
}

test("no P-S edge crosses splits, every node is assigned, and both datasets are split near 80/10/10", () => {
  const g = randomGraph(3);
  const a = splitByComponent({ ...g, seed: 11 });
  for (const [p, s] of g.edges) assert.equal(a.splitOf.get(p), a.splitOf.get(s), `${p}-${s}`);
  for (const n of g.nodes) assert.ok(a.splitOf.has(n), n);
  for (const dim of [0, 1]) {
    const ids = [...new Set(g.nodes)].filter((id) => (g.weight(id)[dim] as number) > 0);
    for (const s of SPLITS) {
      const share = ids.filter((id) => a.splitOf.get(id) === s).length / ids.length;
      assert.ok(Math.abs(share - g.ratios[s]) < 0.03, `dataset ${dim} ${s}: ${share}`);
    }
  }
  assert.ok(a.largestComponent > 2, "the graph has shared supporting papers");
});

test("the split depends on the seed only: same seed same split, whatever the node and edge order", () => {
  const g = randomGraph(5);
  const a = splitByComponent({ ...g, seed: 1 });
  const b = splitByComponent({ ...g, nodes: [...g.nodes].reverse(), edges: [...g.edges].reverse(), seed: 1 });
  assert.deepEqual([...a.splitOf].sort(), [...b.splitOf].sort());
  const c = splitByComponent({ ...g, seed: 2 });
  assert.notDeepEqual([...a.splitOf].sort(), [...c.splitOf].sort());
});
