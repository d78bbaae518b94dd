import { LRUCache } from 'lru-cache';
import { noopMeter, type Meter } from './meter';

export interface ReadThroughCacheOptions {
  /** The `cache` label of its series (`baton_cache_hits_total{cache="api_keys"}`): snake_case, one per kind of cached thing. */
  name: string;
  /** At most this many entries; the least recently used goes first. */
  maxEntries: number;
  /** How long an entry is served after it was loaded, in ms. @defaultValue no limit: only `delete`, `clear` or eviction remove one */
  ttlMs?: number;
  /**
   * Whether entries may be kept and served now. False (its invalidations could go unheard), every
   * `get` loads and nothing is kept. @defaultValue always true
   */
  enabled?: () => boolean;
  /** Where its hit, miss and entry series go. @defaultValue noopMeter */
  meter?: Meter;
  /** The clock of `ttlMs`, in ms. @defaultValue lru-cache's (performance.now) */
  now?: () => number;
}

/**
 * A bounded in-process read-through cache (lru-cache underneath) with hit and miss counters.
 * Concurrent `get`s of a key not cached share one load. A `delete` or `clear` during a load keeps
 * that load's answer out of the cache: callers already waiting still get it (they asked before the
 * invalidation), callers after it load again. An `undefined` answer (not found) is never kept.
 *
 * lru-cache's own `fetch` coalesces too, but rejects its waiters when the key is deleted mid-load;
 * here an invalidation must not turn requests in flight into errors.
 */
export class ReadThroughCache<V extends NonNullable<unknown>> {
  private readonly entries: LRUCache<string, V>;
  private readonly loading = new Map<string, Promise<V | undefined>>();
  private readonly enabled: () => boolean;
  private readonly labels: { cache: string };
  private readonly hits;
  private readonly misses;
  private readonly size;

  constructor(options: ReadThroughCacheOptions) {
    const meter = options.meter ?? noopMeter;
    this.labels = { cache: options.name };
    this.enabled = options.enabled ?? (() => true);
    this.hits = meter.counter('baton_cache_hits_total', { help: 'Cache reads answered without loading: a kept entry, or a load already in flight', labelNames: ['cache'] });
    this.misses = meter.counter('baton_cache_misses_total', { help: 'Cache reads that loaded from the source (Postgres or Redis)', labelNames: ['cache'] });
    this.size = meter.gauge('baton_cache_entries', { help: 'Entries a cache holds in this process (expired ones until read or evicted)', labelNames: ['cache'] });
    const now = options.now;
    // lru-cache takes a start time of 0 for "no start" (never stale): its clock starts at 1.
    const origin = now?.() ?? 0;
    this.entries = new LRUCache<string, V>({
      max: options.maxEntries,
      ...(options.ttlMs === undefined ? {} : { ttl: options.ttlMs, ttlResolution: 0 }),
      ...(now ? { perf: { now: () => now() - origin + 1 } } : {}),
    });
    this.size.set(0, this.labels);
  }

  /** The entry of `key`, or `load()`'s answer (kept unless undefined). A load that throws is not kept: the next `get` loads again. */
  get(key: string, load: () => Promise<V>): Promise<V>;
  get(key: string, load: () => Promise<V | undefined>): Promise<V | undefined>;
  get(key: string, load: () => Promise<V | undefined>): Promise<V | undefined> {
    if (!this.enabled()) {
      this.misses.inc(this.labels);
      return load();
    }
    const kept = this.entries.get(key);
    if (kept !== undefined) {
      this.hits.inc(this.labels);
      return Promise.resolve(kept);
    }
    const pending = this.loading.get(key);
    if (pending) {
      this.hits.inc(this.labels);
      return pending;
    }
    this.misses.inc(this.labels);
    const loaded: Promise<V | undefined> = new Promise<V | undefined>((resolve) => resolve(load())).then(
      (value) => {
        // Still the current load of `key`: no delete or clear came meanwhile.
        if (this.loading.get(key) === loaded) {
          this.loading.delete(key);
          if (value !== undefined && this.enabled()) this.entries.set(key, value);
          this.size.set(this.entries.size, this.labels);
        }
        return value;
      },
      (error: unknown) => {
        if (this.loading.get(key) === loaded) this.loading.delete(key);
        throw error;
      },
    );
    this.loading.set(key, loaded);
    return loaded;
  }

  /** Forgets `key`, and keeps a load of it in flight from being kept. */
  delete(key: string): void {
    this.entries.delete(key);
    this.loading.delete(key);
    this.size.set(this.entries.size, this.labels);
  }

  /** Forgets every entry, and keeps every load in flight from being kept. */
  clear(): void {
    this.entries.clear();
    this.loading.clear();
    this.size.set(0, this.labels);
  }
}
