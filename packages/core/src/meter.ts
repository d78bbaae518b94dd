/** Label values of one series; every key must be among the instrument's `labelNames`. */
export type MetricLabels = Record<string, string | number>;

/** @see Meter */
export interface InstrumentOptions {
  /** Shown by `/metrics` as `# HELP`. */
  help: string;
  /** @defaultValue `[]` */
  labelNames?: readonly string[];
}

/** @see Meter.histogram */
export interface HistogramOptions extends InstrumentOptions {
  /** Upper bounds, in the instrument's unit (seconds for durations). @defaultValue the backend's */
  buckets?: readonly number[];
}

/** A value that only goes up (`baton_runs_total`). */
export interface Counter {
  /** @param value - at least 0. @defaultValue 1 */
  inc(labels?: MetricLabels, value?: number): void;
}

/** A distribution of observed values (`baton_step_duration_seconds`). */
export interface Histogram {
  observe(value: number, labels?: MetricLabels): void;
}

/** A value that goes up and down (`baton_queue_jobs`). */
export interface Gauge {
  set(value: number, labels?: MetricLabels): void;
}

/**
 * The measuring a package needs: a port that `@baton/telemetry` implements (prom-client today),
 * so a package records a metric without importing a metrics library. Asking twice for the same
 * name returns the same instrument.
 */
export interface Meter {
  counter(name: string, options: InstrumentOptions): Counter;
  histogram(name: string, options: HistogramOptions): Histogram;
  gauge(name: string, options: InstrumentOptions): Gauge;
}

const noop = (): undefined => undefined;

/** Records nothing: the default where no meter is configured. */
export const noopMeter: Meter = Object.freeze({
  counter: () => ({ inc: noop }),
  histogram: () => ({ observe: noop }),
  gauge: () => ({ set: noop }),
});
