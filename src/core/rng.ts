/**
 * Seeded, serialisable random numbers (xoshiro128**, seeded through splitmix32). Pass an Rng in;
 * never use Math.random where results must be reproducible. `state()`/`fromState` let a
 * checkpoint restore the exact stream.
 */
export type Rng = {
  /** uniform float in [0, 1) */
  next(): number;
  /** uniform integer in [0, n) */
  int(n: number): number;
  /** standard normal (Box-Muller) */
  normal(): number;
  shuffle<T>(xs: T[]): T[];
  state(): number[];
};

export function createRng(seed: number): Rng {
  let s = seed >>> 0;
  const splitmix = () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
  return rngFromState([splitmix(), splitmix(), splitmix(), splitmix()]);
}

export function rngFromState(state: readonly number[]): Rng {
  if (state.length !== 4 || state.every((x) => x === 0)) throw new Error("rng state must be 4 words, not all zero");
  let [a, b, c, d] = state.map((x) => x >>> 0) as [number, number, number, number];
  let spare: number | null = null;
  const u32 = () => {
    const r = Math.imul(rotl(Math.imul(b, 5) >>> 0, 7), 9) >>> 0;
    const t = (b << 9) >>> 0;
    c ^= a;
    d ^= b;
    b ^= c;
    a ^= d;
    c ^= t;
    d = rotl(d, 11);
    return r;
  };
  const next = () => u32() / 4294967296;
  const rng: Rng = {
    next,
    int: (n) => Math.floor(next() * n),
    normal() {
      if (spare !== null) {
        const v = spare;
        spare = null;
        return v;
      }
      let u = 0;
      while (u === 0) u = next();
      const v = next();
      const r = Math.sqrt(-2 * Math.log(u));
      spare = r * Math.sin(2 * Math.PI * v);
      return r * Math.cos(2 * Math.PI * v);
    },
    shuffle(xs) {
      for (let i = xs.length - 1; i > 0; i--) {
        const j = Math.floor(next() * (i + 1));
        [xs[i], xs[j]] = [xs[j] as (typeof xs)[number], xs[i] as (typeof xs)[number]];
      }
      return xs;
    },
    // The Box-Muller spare is dropped on save; callers that need bit-exact resume draw normals in pairs.
    state: () => [a >>> 0, b >>> 0, c >>> 0, d >>> 0],
  };
  return rng;
}

const rotl = (x: number, k: number) => ((x << k) | (x >>> (32 - k))) >>> 0;
