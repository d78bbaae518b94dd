import { Runtime } from './runtime';
import { MemoryRunStore } from './memory-run-store.test-helper';
import { RecordingDispatcher, chain, recordingLogger, runtimeFixture } from './runtime-fixture.test-helper';
import type { Span, StartSpanOptions, Tracer } from '@baton/core';

const REQUEST = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
const OTHER = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';

/** A tracer that records the spans started; `withSpan` makes a span active for the synchronous part of `fn`. */
function recordingTracer() {
  const started: Array<{ name: string; options: StartSpanOptions; traceparent: string }> = [];
  let active: string | undefined;
  const tracer: Tracer = {
    startSpan(name, options = {}) {
      const traceparent = `00-${(options.traceparent ?? REQUEST).slice(3, 35)}-${String(started.length + 1).padStart(16, '0')}-01`;
      started.push({ name, options, traceparent });
      return { traceparent, setAttributes: () => undefined, recordError: () => undefined, end: () => undefined };
    },
    withSpan<T>(span: Span, fn: () => T): T {
      const before = active;
      active = span.traceparent;
      try {
        return fn();
      } finally {
        active = before;
      }
    },
    activeTraceparent: () => active,
  };
  return { tracer, started };
}

describe('the trace context of a run', () => {
  test("its first jobs carry the request's traceparent and id, the run keeps the traceparent; later jobs and a retry's carry it, not the request id", async () => {
    const { runtime, dispatcher, store } = runtimeFixture();
    const { id } = await runtime.submit({ tenant: 't', workflow: chain('c', 2), input: {}, traceparent: REQUEST, requestId: 'req-1' });
    expect(dispatcher.enqueued.map((q) => q.job)).toEqual([expect.objectContaining({ key: 's0', traceparent: REQUEST, requestId: 'req-1' })]);
    expect((await store.heads([id]))[0]?.traceparent).toBe(REQUEST);

    await runtime.apply(id, { type: 'step.succeeded', key: 's0', attempt: 1, output: 1 });
    await runtime.apply(id, { type: 'step.failed', key: 's1', attempt: 1, retryable: false, error: { code: 'AGENT_ERROR', message: 'no' } });
    await runtime.retry('t', id);
    await runtime.drain();
    const later = dispatcher.enqueued.slice(1).map((q) => q.job);
    expect(later.map((j) => `${j.key}#${j.attempt}`)).toEqual(['s1#1', 's1#2']);
    for (const job of later) {
      expect(job.traceparent).toBe(REQUEST);
      expect(job).not.toHaveProperty('requestId');
    }
  });

  test('a run submitted without a trace has none stored, and its jobs none set (the queue derives one)', async () => {
    const { runtime, dispatcher, store } = runtimeFixture();
    const { id } = await runtime.submit({ tenant: 't', workflow: chain('c', 1), input: {} });
    expect(dispatcher.enqueued[0]?.job).not.toHaveProperty('traceparent');
    expect((await store.heads([id]))[0]?.traceparent ?? null).toBeNull();
  });

  test('submissions admitted together: one span, the child of the first request and linked to the others; a transaction continues the span its event came from', async () => {
    const { tracer, started } = recordingTracer();
    const dispatcher = new RecordingDispatcher();
    const runtime = new Runtime({ store: new MemoryRunStore(), dispatcher, logger: recordingLogger(), tracer });
    const [a] = await Promise.all([
      runtime.submit({ tenant: 't', workflow: chain('c', 2), input: {}, traceparent: REQUEST }),
      runtime.submit({ tenant: 't', workflow: chain('c', 2), input: {}, traceparent: OTHER }),
      runtime.submit({ tenant: 't', workflow: chain('c', 2), input: {} }),
    ]);
    const admit = started.filter((s) => s.name === 'baton.admit');
    expect(admit).toHaveLength(1);
    expect(admit[0]!.options).toMatchObject({ traceparent: REQUEST, links: [REQUEST, OTHER, undefined], attributes: { 'baton.submissions': 3 } });
    // the submission with no trace of its own has the admission's
    expect(dispatcher.enqueued.map((q) => q.job.traceparent)).toEqual([REQUEST, OTHER, admit[0]!.traceparent]);
    expect(started.filter((s) => s.name === 'baton.enqueue')).toHaveLength(1);

    const step = tracer.startSpan('baton.step', { traceparent: REQUEST });
    await tracer.withSpan(step, () => runtime.apply(a.id, { type: 'step.succeeded', key: 's0', attempt: 1, output: 1 }));
    await runtime.drain();
    expect(started.find((s) => s.name === 'baton.commit')?.options).toMatchObject({ traceparent: step.traceparent, attributes: { 'baton.events': 1 } });
  });
});
