/**
 * `$random()` for one evaluation: numbers in [0, 1) from a generator seeded by `seed` (the run id,
 * the decision's time, the field and the forEach index), so that a decision evaluated again draws
 * the same numbers, while other runs, fields, items and later decisions draw others. Seeded on
 * first call: most evaluations never draw.
 */
export function seededRandom(seed: () => string): () => number {
  let state: number | undefined;
  return () => {
    state ??= hash(seed());
    // mulberry32: small, fast and well spread; not for secrets, which no expression makes.
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** FNV-1a over UTF-16 code units. */
function hash(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return h >>> 0;
}
