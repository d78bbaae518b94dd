import { ROOT_CONTEXT, SpanKind as OtelSpanKind, SpanStatusCode, context, isSpanContextValid, trace, type Link, type Span as OtelSpan, type SpanContext } from '@opentelemetry/api';
import { getRPCMetadata, parseTraceParent } from '@opentelemetry/core';
import type { Span, SpanAttributes, SpanKind, StartSpanOptions, Tracer } from '@baton/core';

const KINDS: Record<SpanKind, OtelSpanKind> = {
  internal: OtelSpanKind.INTERNAL,
  server: OtelSpanKind.SERVER,
  client: OtelSpanKind.CLIENT,
  producer: OtelSpanKind.PRODUCER,
  consumer: OtelSpanKind.CONSUMER,
};

/** Links per span: a transaction of 500 events names each trace once, and at most this many. */
const MAX_LINKS = 64;

const formatTraceparent = (c: SpanContext): string => `00-${c.traceId}-${c.spanId}-0${(c.traceFlags & 1).toString(16)}`;

function remote(traceparent: string | undefined): SpanContext | undefined {
  if (traceparent === undefined) return undefined;
  const parsed = parseTraceParent(traceparent);
  return parsed && isSpanContextValid(parsed) ? parsed : undefined;
}

function linksOf(traceparents: ReadonlyArray<string | undefined> | undefined, parent: SpanContext | undefined): Link[] | undefined {
  if (!traceparents) return undefined;
  const seen = new Set(parent ? [parent.spanId] : []);
  const links: Link[] = [];
  for (const tp of traceparents) {
    const c = remote(tp);
    if (!c || seen.has(c.spanId)) continue;
    seen.add(c.spanId);
    links.push({ context: c });
    if (links.length === MAX_LINKS) break;
  }
  return links;
}

class OtelSpanAdapter implements Span {
  constructor(readonly otel: OtelSpan) {}

  get traceparent(): string | undefined {
    const c = this.otel.spanContext();
    return isSpanContextValid(c) ? formatTraceparent(c) : undefined;
  }

  setAttributes(attributes: SpanAttributes): void {
    for (const [k, v] of Object.entries(attributes)) if (v !== undefined) this.otel.setAttribute(k, v);
  }

  recordError(error: unknown): void {
    // Name and message only: a stack or the error's own fields may carry values that must not leave.
    const name = error instanceof Error ? error.name : 'Error';
    const message = error instanceof Error ? error.message : String(error);
    this.otel.recordException({ name, message });
    this.otel.setStatus({ code: SpanStatusCode.ERROR, message });
  }

  end(): void {
    this.otel.end();
  }
}

/**
 * `@baton/core`'s `Tracer` over the OpenTelemetry API: spans go to whatever tracer provider is
 * registered (the SDK that `startTracing` starts, or a test's in-memory one).
 */
export class OtelTracer implements Tracer {
  private readonly tracer = trace.getTracer('baton');

  startSpan(name: string, options: StartSpanOptions = {}): Span {
    const parent = remote(options.traceparent);
    const ctx = parent ? trace.setSpanContext(ROOT_CONTEXT, parent) : context.active();
    const attributes: Record<string, string | number | boolean> = {};
    for (const [k, v] of Object.entries(options.attributes ?? {})) if (v !== undefined) attributes[k] = v;
    const otel = this.tracer.startSpan(name, { kind: KINDS[options.kind ?? 'internal'], attributes, links: linksOf(options.links, parent) }, ctx);
    return new OtelSpanAdapter(otel);
  }

  withSpan<T>(span: Span, fn: () => T): T {
    return span instanceof OtelSpanAdapter ? context.with(trace.setSpan(context.active(), span.otel), fn) : fn();
  }

  activeTraceparent(): string | undefined {
    return activeTraceparent();
  }
}

/** The `traceparent` of the active span (the HTTP request's, in a route); undefined with tracing off. */
export function activeTraceparent(): string | undefined {
  const span = trace.getActiveSpan();
  if (!span) return undefined;
  const c = span.spanContext();
  return isSpanContextValid(c) ? formatTraceparent(c) : undefined;
}

/**
 * Names the active HTTP server span after the route template (`POST /v1/runs/:id`) rather than the
 * method alone: the HTTP instrumentation reads the route when the response closes. A no-op
 * without tracing, or outside a traced request.
 */
export function nameRequestSpan(route: string): void {
  const metadata = getRPCMetadata(context.active());
  if (metadata) metadata.route = route;
}
