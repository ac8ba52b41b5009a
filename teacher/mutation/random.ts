/**
 * Seeded randomness for the mutation teacher: the same (text, seed) always gives the same stream,
 * on any platform (32-bit integer arithmetic only, no Node APIs).
 */

/** 32-bit FNV-1a over the UTF-16 code units of `text`, with a final avalanche. */
export function hash32(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return fmix32(h);
}

/** MurmurHash3's finaliser: spreads every input bit over the output. */
export function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** mulberry32: a small, fast PRNG with a 32-bit state; returns floats in [0, 1). */
export function mulberry32(state: number): () => number {
  let a = state >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The PRNG for a (text, seed) pair; `seed` must be a safe integer (it may be negative or large). */
export function seededRandom(text: string, seed: number): () => number {
  if (!Number.isSafeInteger(seed)) throw new RangeError(`mutation seed must be a safe integer, got ${seed}`);
  const low = seed >>> 0;
  const high = Math.floor(seed / 4294967296) >>> 0;
  const state = hash32(text) ^ fmix32(low ^ 0x9e3779b9) ^ fmix32(Math.imul(high, 0x27d4eb2f) ^ 0x165667b1);
  return mulberry32(state);
}

/** Index drawn with probability proportional to `weights[i]` (weights > 0; at least one). */
export function weightedIndex(random: () => number, weights: readonly number[]): number {
  let total = 0;
  for (const w of weights) total += w;
  let r = random() * total;
  for (let i = 0; i < weights.length; i++) {
    r -= weights[i];
    if (r < 0) return i;
  }
  return weights.length - 1;
}
