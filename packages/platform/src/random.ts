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
