import type { Meter, MetricLabels } from './meter';
import { ReadThroughCache } from './read-through-cache';

/** A Meter that keeps the last value of every series, by `name{cache}`. */
function recordingMeter() {
  const values = new Map<string, number>();
  const key = (name: string, labels: MetricLabels = {}) => `${name}{${String(labels.cache)}}`;
  const meter: Meter = {
    counter: (name) => ({ inc: (labels, value = 1) => void values.set(key(name, labels), (values.get(key(name, labels)) ?? 0) + value) }),
    gauge: (name) => ({ set: (value, labels) => void values.set(key(name, labels), value) }),
    histogram: () => ({ observe: () => undefined }),
  };
  return { meter, value: (name: string, cache: string) => values.get(`${name}{${cache}}`) ?? 0 };
}

/** A source whose reads are counted, and held until released when `hold` is set. */
function source() {
  const data = new Map<string, string>([['a', 'A'], ['b', 'B'], ['c', 'C']]);
  const held: Array<() => void> = [];
  const s = {
    data,
    reads: 0,
    hold: false,
    release: () => held.splice(0).forEach((go) => go()),
    load: (key: string) => async () => {
      s.reads++;
      const value = data.get(key); // read now, answered when released
      if (s.hold) await new Promise<void>((resolve) => held.push(resolve));
      return value;
    },
  };
  return s;
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('ReadThroughCache', () => {
  it('loads a key once and serves it from memory after, counting hits, misses and entries', async () => {
    const m = recordingMeter();
    const s = source();
    const cache = new ReadThroughCache<string>({ name: 'things', maxEntries: 10, meter: m.meter });
    expect(await cache.get('a', s.load('a'))).toBe('A');
    expect(await cache.get('a', s.load('a'))).toBe('A');
    expect(await cache.get('a', s.load('a'))).toBe('A');
    expect(s.reads).toBe(1);
    expect(m.value('baton_cache_misses_total', 'things')).toBe(1);
    expect(m.value('baton_cache_hits_total', 'things')).toBe(2);
    expect(m.value('baton_cache_entries', 'things')).toBe(1);
  });

  it('shares one load among concurrent gets of a key, and counts the sharers as hits', async () => {
    const m = recordingMeter();
    const s = source();
    s.hold = true;
    const cache = new ReadThroughCache<string>({ name: 'things', maxEntries: 10, meter: m.meter });
    const answers = Promise.all(Array.from({ length: 20 }, () => cache.get('a', s.load('a'))));
    await tick();
    s.release();
    expect(await answers).toEqual(Array(20).fill('A'));
    expect(s.reads).toBe(1);
    expect(m.value('baton_cache_misses_total', 'things')).toBe(1);
    expect(m.value('baton_cache_hits_total', 'things')).toBe(19);
  });

  it('keeps at most maxEntries, the least recently used going first', async () => {
    const s = source();
    const cache = new ReadThroughCache<string>({ name: 'things', maxEntries: 2 });
    for (const key of ['a', 'b', 'c']) await cache.get(key, s.load(key));
    expect(s.reads).toBe(3);
    await cache.get('c', s.load('c'));
    await cache.get('b', s.load('b'));
    expect(s.reads).toBe(3);
    await cache.get('a', s.load('a')); // evicted by c
    expect(s.reads).toBe(4);
  });

  it('loads again once an entry is older than ttlMs', async () => {
    let now = 0;
    const s = source();
    const cache = new ReadThroughCache<string>({ name: 'things', maxEntries: 10, ttlMs: 1000, now: () => now });
    await cache.get('a', s.load('a'));
    now += 1000;
    await cache.get('a', s.load('a'));
    expect(s.reads).toBe(1);
    now += 1;
    s.data.set('a', 'A2');
    expect(await cache.get('a', s.load('a'))).toBe('A2');
    expect(s.reads).toBe(2);
  });

  it('keeps neither an undefined answer nor a failed load', async () => {
    const s = source();
    const cache = new ReadThroughCache<string>({ name: 'things', maxEntries: 10 });
    expect(await cache.get('x', s.load('x'))).toBeUndefined();
    expect(await cache.get('x', s.load('x'))).toBeUndefined();
    expect(s.reads).toBe(2);
    await expect(cache.get('y', () => Promise.reject(new Error('source down')))).rejects.toThrow('source down');
    expect(await cache.get('y', async () => 'Y')).toBe('Y');
  });

  it('forgets a key or all keys, and keeps a load in flight during the forgetting out of the cache', async () => {
    const m = recordingMeter();
    const s = source();
    const cache = new ReadThroughCache<string>({ name: 'things', maxEntries: 10, meter: m.meter });
    await cache.get('a', s.load('a'));
    await cache.get('b', s.load('b'));
    s.data.set('a', 'A2');
    cache.delete('a');
    expect(await cache.get('a', s.load('a'))).toBe('A2');
    expect(await cache.get('b', s.load('b'))).toBe('B');
    expect(s.reads).toBe(3);
    cache.clear();
    expect(m.value('baton_cache_entries', 'things')).toBe(0);

    s.hold = true;
    const early = cache.get('a', s.load('a'));
    await tick();
    s.data.set('a', 'A3');
    cache.delete('a');
    const late = cache.get('a', s.load('a')); // does not share the load begun before the delete
    await tick();
    s.release();
    expect(await early).toBe('A2');
    expect(await late).toBe('A3');
    s.hold = false;
    expect(await cache.get('a', s.load('a'))).toBe('A3');
    expect(s.reads).toBe(5);
  });

  it('keeps and serves nothing while not enabled', async () => {
    const m = recordingMeter();
    const s = source();
    let enabled = false;
    const cache = new ReadThroughCache<string>({ name: 'things', maxEntries: 10, meter: m.meter, enabled: () => enabled });
    await cache.get('a', s.load('a'));
    await cache.get('a', s.load('a'));
    expect(s.reads).toBe(2);
    enabled = true;
    await cache.get('a', s.load('a'));
    await cache.get('a', s.load('a'));
    expect(s.reads).toBe(3);
    expect(m.value('baton_cache_misses_total', 'things')).toBe(3);
    expect(m.value('baton_cache_hits_total', 'things')).toBe(1);
  });
});
