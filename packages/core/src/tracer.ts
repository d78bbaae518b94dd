/** Span attributes; undefined values are left out. */
export type SpanAttributes = Record<string, string | number | boolean | undefined>;

/** What the span stands for, as OpenTelemetry's `SpanKind`. */
export type SpanKind = 'internal' | 'server' | 'client' | 'producer' | 'consumer';

/** @see Tracer.startSpan */
export interface StartSpanOptions {
  /** @defaultValue `'internal'` */
  kind?: SpanKind;
  attributes?: SpanAttributes;
  /**
   * A W3C `traceparent` carried from another process (a step job's `traceparent`): the span
   * continues that trace. Without it the span is a child of the active one, or a new root.
   */
  traceparent?: string;
  /**
   * Other spans this one also serves (W3C `traceparent`s; malformed and undefined ones are
   * skipped): one transaction admits or advances the runs of many traces, and is the child of
   * only one of them.
   */
  links?: ReadonlyArray<string | undefined>;
}

/** One timed operation of a trace. */
export interface Span {
  /** The W3C `traceparent` that continues this span elsewhere; undefined when not sampled or not traced. */
  readonly traceparent: string | undefined;
  setAttributes(attributes: SpanAttributes): void;
  /** Marks the span failed and records the error (name and message, never secrets in it). */
  recordError(error: unknown): void;
  /** Idempotent. */
  end(): void;
}

/**
 * The tracing a package needs: a port that `@baton/telemetry` implements with OpenTelemetry, so
 * OpenTelemetry is imported there only.
 */
export interface Tracer {
  startSpan(name: string, options?: StartSpanOptions): Span;
  /**
   * Runs `fn` with `span` active: spans started inside it without a `traceparent`, and the
   * instrumented I/O it does (Postgres, Redis, HTTP), are its children.
   */
  withSpan<T>(span: Span, fn: () => T): T;
  /** The `traceparent` of the active span; undefined when there is none (always, with tracing off). */
  activeTraceparent(): string | undefined;
}

const noopSpan: Span = Object.freeze({
  traceparent: undefined,
  setAttributes: () => undefined,
  recordError: () => undefined,
  end: () => undefined,
});

/** Traces nothing: the default where no tracer is configured, and what runs when tracing is off. */
export const noopTracer: Tracer = Object.freeze({
  startSpan: () => noopSpan,
  withSpan: <T>(_span: Span, fn: () => T): T => fn(),
  activeTraceparent: () => undefined,
});
