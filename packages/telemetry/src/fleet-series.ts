import type { Counter, Histogram, HistogramOptions, InstrumentOptions, MetricLabels } from '@baton/core';

/**
 * Where the processes of a fleet add up their counts: Redis in production (`RedisFleetStore` of
 * `@baton/queue`). Fields are opaque to the store; values are numbers added with `add`.
 */
export interface FleetStore {
  /** Adds every delta to the fleet's totals, in one round trip. */
  add(deltas: ReadonlyMap<string, number>): Promise<void>;
  /** The fleet's totals, field → value. */
  totals(): Promise<Record<string, string>>;
}

interface Family {
  name: string;
  help: string;
  kind: 'counter' | 'histogram';
  labelNames: readonly string[];
  /** Histograms: upper bounds, ascending. */
  buckets: readonly number[];
  /** Label text (`agent="echo",status="ok"`) → counts: [value] for a counter; per-bucket counts, +Inf, sum, count for a histogram. */
  series: Map<string, { pending: number[]; total: number[] }>;
}

// A field of the store: family, label text and part ('' for a counter; a bucket's `le`, `sum` or `count`).
const SEP = '\t';

/** Prometheus text escaping of a label value. */
function escapeLabel(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

function formatNumber(n: number): string {
  return Number.isInteger(n) ? String(n) : String(Number(n.toPrecision(15)));
}

/**
 * Counters and histograms whose counts are shared by every process of the fleet: each process
 * counts in memory (an observation is a bucket search and two additions, no I/O), and `takePending`
 * hands the deltas since the last flush to a `FleetStore` once a second, so the api can render the
 * fleet's totals from it. The same series render this process's own totals too (a worker's `/metrics`).
 */
export class FleetSeries {
  private readonly families = new Map<string, Family>();

  counter(name: string, options: InstrumentOptions): Counter {
    const family = this.family(name, 'counter', options, []);
    return { inc: (labels = {}, value = 1) => void (this.slot(family, labels).pending[0]! += value) };
  }

  histogram(name: string, options: HistogramOptions & { buckets: readonly number[] }): Histogram {
    const family = this.family(name, 'histogram', options, [...options.buckets].sort((a, b) => a - b));
    const n = family.buckets.length;
    return {
      observe: (value, labels = {}) => {
        const counts = this.slot(family, labels).pending;
        let i = 0;
        while (i < n && value > family.buckets[i]!) i++;
        counts[i]! += 1; // i === n: the +Inf bucket
        counts[n + 1]! += value;
        counts[n + 2]! += 1;
      },
    };
  }

  /** The deltas since the last call, as store fields (nothing when nothing happened); they count as this process's own totals from now on. */
  takePending(): Map<string, number> {
    const deltas = new Map<string, number>();
    for (const family of this.families.values()) {
      for (const [labels, slot] of family.series) {
        slot.pending.forEach((delta, i) => {
          if (delta === 0) return;
          deltas.set(this.field(family, labels, i), delta);
          slot.total[i]! += delta;
          slot.pending[i] = 0;
        });
      }
    }
    return deltas;
  }

  /** Deltas a store refused: counted again with the next ones, so a Redis outage loses nothing. */
  restore(deltas: ReadonlyMap<string, number>): void {
    for (const [field, delta] of deltas) {
      const [name, labels, part] = field.split(SEP) as [string, string, string];
      const family = this.families.get(name);
      const slot = family?.series.get(labels);
      if (!family || !slot) continue;
      const i = this.partIndex(family, part);
      if (i < 0) continue;
      slot.pending[i]! += delta;
      slot.total[i]! -= delta;
    }
  }

  /** This process's own totals (flushed or not), as store fields. */
  ownTotals(): Record<string, string> {
    const out: Record<string, string> = {};
    for (const family of this.families.values()) {
      for (const [labels, slot] of family.series) {
        slot.total.forEach((total, i) => {
          const value = total + slot.pending[i]!;
          if (value !== 0) out[this.field(family, labels, i)] = String(value);
        });
      }
    }
    return out;
  }

  /** Prometheus text of `totals` (store fields → values) for every family; fields of unknown families are ignored. */
  render(totals: Record<string, string>): string {
    const byFamily = new Map<string, Map<string, Map<string, number>>>();
    for (const [field, raw] of Object.entries(totals)) {
      const [name, labels, part] = field.split(SEP);
      if (name === undefined || labels === undefined || part === undefined || !this.families.has(name)) continue;
      const series = byFamily.get(name) ?? new Map<string, Map<string, number>>();
      const parts = series.get(labels) ?? new Map<string, number>();
      parts.set(part, Number(raw));
      series.set(labels, parts);
      byFamily.set(name, series);
    }
    const lines: string[] = [];
    for (const family of this.families.values()) {
      lines.push(`# HELP ${family.name} ${family.help}`, `# TYPE ${family.name} ${family.kind}`);
      const series = byFamily.get(family.name);
      if (!series) continue;
      for (const labels of [...series.keys()].sort()) {
        const parts = series.get(labels)!;
        if (family.kind === 'counter') {
          lines.push(`${family.name}${labels ? `{${labels}}` : ''} ${formatNumber(parts.get('') ?? 0)}`);
          continue;
        }
        const sep = labels ? ',' : '';
        let cumulative = 0;
        for (const le of [...family.buckets.map(formatNumber), '+Inf']) {
          cumulative += parts.get(le) ?? 0;
          lines.push(`${family.name}_bucket{${labels}${sep}le="${le}"} ${formatNumber(cumulative)}`);
        }
        lines.push(`${family.name}_sum${labels ? `{${labels}}` : ''} ${formatNumber(parts.get('sum') ?? 0)}`);
        lines.push(`${family.name}_count${labels ? `{${labels}}` : ''} ${formatNumber(parts.get('count') ?? 0)}`);
      }
    }
    return lines.length ? `${lines.join('\n')}\n` : '';
  }

  private family(name: string, kind: Family['kind'], options: InstrumentOptions, buckets: number[]): Family {
    const known = this.families.get(name);
    if (known) {
      if (known.kind !== kind) throw new Error(`metric ${name} is a ${known.kind}, not a ${kind}`);
      return known;
    }
    const family: Family = { name, help: options.help, kind, labelNames: [...(options.labelNames ?? [])], buckets, series: new Map() };
    this.families.set(name, family);
    return family;
  }

  private slot(family: Family, labels: MetricLabels): { pending: number[]; total: number[] } {
    // Label text in the instrument's label order: the same series from every process is the same field.
    let text = '';
    for (const name of family.labelNames) {
      const value = labels[name];
      if (value === undefined) continue;
      text += `${text ? ',' : ''}${name}="${escapeLabel(String(value))}"`;
    }
    let slot = family.series.get(text);
    if (!slot) {
      const size = family.kind === 'counter' ? 1 : family.buckets.length + 3;
      slot = { pending: new Array<number>(size).fill(0), total: new Array<number>(size).fill(0) };
      family.series.set(text, slot);
    }
    return slot;
  }

  private field(family: Family, labels: string, i: number): string {
    return [family.name, labels, this.partName(family, i)].join(SEP);
  }

  private partName(family: Family, i: number): string {
    if (family.kind === 'counter') return '';
    const n = family.buckets.length;
    if (i < n) return formatNumber(family.buckets[i]!);
    return i === n ? '+Inf' : i === n + 1 ? 'sum' : 'count';
  }

  private partIndex(family: Family, part: string): number {
    if (family.kind === 'counter') return 0;
    const n = family.buckets.length;
    if (part === '+Inf') return n;
    if (part === 'sum') return n + 1;
    if (part === 'count') return n + 2;
    return family.buckets.findIndex((b) => formatNumber(b) === part);
  }
}

/**
 * Flushes `series` to `store` every `everyMs` (never per observation: one round trip per period
 * for the whole process). A failed flush keeps its deltas for the next one.
 * @returns stop: flushes what is left once more, then stops.
 */
export function flushEvery(series: FleetSeries, store: FleetStore, everyMs: number, onError: (error: unknown) => void): () => Promise<void> {
  let inFlight: Promise<void> = Promise.resolve();
  const flush = (): Promise<void> =>
    (inFlight = inFlight.then(async () => {
      const deltas = series.takePending();
      if (deltas.size === 0) return;
      try {
        await store.add(deltas);
      } catch (error) {
        series.restore(deltas);
        onError(error);
      }
    }));
  const timer = setInterval(() => void flush(), everyMs);
  timer.unref();
  return async () => {
    clearInterval(timer);
    await flush();
  };
}
