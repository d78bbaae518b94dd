import type { Counter, Gauge, Histogram, HistogramOptions, InstrumentOptions, Meter } from '@baton/core';
import { Counter as PromCounter, Gauge as PromGauge, Histogram as PromHistogram, Registry, collectDefaultMetrics } from 'prom-client';

/** What `/metrics` serves: Prometheus text and its content type. */
export interface MetricsExposition {
  readonly contentType: string;
  metrics(): Promise<string>;
}

/**
 * Core's `Meter` port over prom-client, one registry per process. Asking twice for a name gives
 * the same instrument; asking for it as another kind is a programming error and throws.
 */
export class PrometheusMeter implements Meter, MetricsExposition {
  private readonly registry = new Registry();
  private readonly instruments = new Map<string, { kind: string; instrument: Counter | Histogram | Gauge }>();
  private readonly collectors: Array<() => Promise<void>> = [];

  constructor(options: { defaultMetrics?: boolean } = {}) {
    if (options.defaultMetrics !== false) collectDefaultMetrics({ register: this.registry });
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  /** Prometheus text; the collectors of {@link onCollect} run first (a failing one leaves its gauges as they were). */
  async metrics(): Promise<string> {
    await Promise.all(this.collectors.map((collect) => collect().catch(() => undefined)));
    return this.registry.metrics();
  }

  /** Runs `collect` before every scrape: gauges read from elsewhere (queue counts) are set there, each behind its own cache. */
  onCollect(collect: () => Promise<void>): void {
    this.collectors.push(collect);
  }

  counter(name: string, options: InstrumentOptions): Counter {
    return this.instrument(name, 'counter', () => {
      const c = new PromCounter({ name, help: options.help, labelNames: [...(options.labelNames ?? [])], registers: [this.registry] });
      return { inc: (labels = {}, value = 1) => c.inc(labels, value) };
    });
  }

  histogram(name: string, options: HistogramOptions): Histogram {
    return this.instrument(name, 'histogram', () => {
      const h = new PromHistogram({
        name, help: options.help, labelNames: [...(options.labelNames ?? [])], registers: [this.registry],
        ...(options.buckets ? { buckets: [...options.buckets] } : {}),
      });
      return { observe: (value, labels = {}) => h.observe(labels, value) };
    });
  }

  gauge(name: string, options: InstrumentOptions): Gauge {
    return this.instrument(name, 'gauge', () => {
      const g = new PromGauge({ name, help: options.help, labelNames: [...(options.labelNames ?? [])], registers: [this.registry] });
      return { set: (value, labels = {}) => g.set(labels, value) };
    });
  }

  private instrument<T extends Counter | Histogram | Gauge>(name: string, kind: string, make: () => T): T {
    const known = this.instruments.get(name);
    if (known) {
      if (known.kind !== kind) throw new Error(`metric ${name} is a ${known.kind}, not a ${kind}`);
      return known.instrument as T;
    }
    const instrument = make();
    this.instruments.set(name, { kind, instrument });
    return instrument;
  }
}
