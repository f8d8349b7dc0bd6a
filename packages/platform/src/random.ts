/**
 * mulberry32: a tiny seeded PRNG, so a seed replays the same thing everywhere (the load
 * generator's chaotic schedule, the portal's incident drills).
 */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A fresh seed for runs that did not ask for one (it is reported, so the run can be replayed). */
export function randomSeed(): number {
  return Math.floor(Math.random() * 0x7fffffff) + 1;
}

/**
 * The value seededRandom(seed) returns on its (k + 1)-th call, computed directly: mulberry32 is a
 * counter-based generator, so any thread or process can draw the value of arrival k without the ones
 * before it (the mix draw: every shard computes the same sequence whatever its stride).
 */
export function randomAt(seed: number, k: number): number {
  let t = ((seed >>> 0) + Math.imul(((k % 0x100000000) + 1) >>> 0, 0x6d2b79f5)) >>> 0;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}

/** A seed for an independent stream (the mix draw, template values) from the run's seed and a stream number. */
export function streamSeed(seed: number, stream: number): number {
  let x = ((seed >>> 0) ^ Math.imul(stream + 1, 0x9e3779b9)) >>> 0;
  x = Math.imul(x ^ (x >>> 16), 0x7feb352d);
  x = Math.imul(x ^ (x >>> 15), 0x846ca68b);
  return (x ^ (x >>> 16)) >>> 0;
}
