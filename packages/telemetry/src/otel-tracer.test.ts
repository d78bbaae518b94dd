import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { noopTracer } from '@baton/core';
import { startMemoryTracing, type MemoryTracing } from './testing';
import { OtelTracer, activeTraceparent } from './otel-tracer';
import { processTracer } from './tracing';

const REMOTE = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
const OTHER = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';

describe('processTracer without tracing', () => {
  it('is the no-op tracer: no span objects, nothing active', () => {
    expect(processTracer()).toBe(noopTracer);
    expect(activeTraceparent()).toBeUndefined();
  });
});

describe('OtelTracer', () => {
  let tracing: MemoryTracing;
  beforeEach(() => {
    tracing = startMemoryTracing();
  });
  afterEach(() => tracing.stop());

  it('continues a remote traceparent, with its kind, attributes and links', () => {
    const tracer = processTracer();
    expect(tracer).toBeInstanceOf(OtelTracer);
    const span = tracer.startSpan('baton.step', { kind: 'consumer', traceparent: REMOTE, links: [OTHER, 'junk', undefined, REMOTE], attributes: { 'baton.run_id': 'r1', 'baton.attempt': 2, skipped: undefined } });
    expect(span.traceparent).toMatch(/^00-4bf92f3577b34da6a3ce929d0e0e4736-[0-9a-f]{16}-01$/);
    span.end();
    const [done] = tracing.spans();
    expect(done).toMatchObject({ name: 'baton.step', kind: SpanKind.CONSUMER, parentSpanContext: { spanId: '00f067aa0ba902b7' }, attributes: { 'baton.run_id': 'r1', 'baton.attempt': 2 } });
    expect(done!.attributes).not.toHaveProperty('skipped');
    // the parent is not linked again; the junk is skipped
    expect(done!.links.map((l) => l.context.spanId)).toEqual(['b7ad6b7169203331']);
  });

  it('makes a span the parent of those started inside withSpan, across awaits', async () => {
    const tracer = processTracer();
    const outer = tracer.startSpan('outer');
    const seen = await tracer.withSpan(outer, async () => {
      await new Promise((r) => setTimeout(r, 1));
      const inner = tracer.startSpan('inner');
      inner.end();
      return tracer.activeTraceparent();
    });
    outer.end();
    expect(seen).toBe(outer.traceparent);
    const byName = new Map(tracing.spans().map((s) => [s.name, s]));
    expect(byName.get('inner')!.parentSpanContext?.spanId).toBe(byName.get('outer')!.spanContext().spanId);
    expect(tracer.activeTraceparent()).toBeUndefined();
  });

  it('records an error by name and message only, and marks the span failed', () => {
    const span = processTracer().startSpan('failing');
    const error = Object.assign(new Error('no connection'), { password: 'x' });
    span.recordError(error);
    span.end();
    span.end();
    const [done] = tracing.spans();
    expect(done!.status).toEqual({ code: SpanStatusCode.ERROR, message: 'no connection' });
    expect(done!.events[0]!.attributes).toEqual({ 'exception.type': 'Error', 'exception.message': 'no connection' });
  });
});
