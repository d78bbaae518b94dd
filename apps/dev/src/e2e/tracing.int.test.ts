import { startMemoryTracing, type MemoryTracing, type ReadableSpan } from '@baton/telemetry/testing';
import { BatonHarness } from '../testing/baton-harness';

jest.setTimeout(60_000);

const CHAIN = {
  name: 'traced',
  steps: [
    { id: 'first', agent: 'echo', input: { n: 1 } },
    { id: 'second', agent: 'echo', needs: ['first'], input: { n: 2 } },
  ],
};

/** The spans from `span` up to its trace's root, by parent ids. */
function ancestry(span: ReadableSpan, all: ReadableSpan[]): ReadableSpan[] {
  const byId = new Map(all.map((s) => [s.spanContext().spanId, s]));
  const chain = [span];
  for (let parent = span.parentSpanContext?.spanId; parent !== undefined; ) {
    const next = byId.get(parent);
    if (!next) break;
    chain.push(next);
    parent = next.parentSpanContext?.spanId;
  }
  return chain;
}

describe('tracing (in-process api and worker, spans in memory)', () => {
  let tracing: MemoryTracing;
  let baton: BatonHarness;
  beforeAll(async () => {
    tracing = startMemoryTracing({ http: true });
    baton = await BatonHarness.start();
  });
  afterAll(async () => {
    await baton?.close();
    await tracing?.stop();
  });

  it('shows a whole run in one trace: the request, its admission and enqueue, each step and its commit', async () => {
    const id = await baton.submit(CHAIN);
    expect((await baton.waitFor(id)).status).toBe('succeeded');
    await baton.workers[0]!.close(); // its last commit and spans are done
    const spans = tracing.spans();
    const request = spans.find((s) => s.name === 'POST /v1/runs');
    expect(request).toBeDefined();
    const traceId = request!.spanContext().traceId;
    const inTrace = spans.filter((s) => s.spanContext().traceId === traceId);
    const steps = inTrace.filter((s) => s.name === 'baton.step');
    expect(steps.map((s) => s.attributes)).toEqual([
      { 'baton.run_id': id, 'baton.step_key': 'first', 'baton.attempt': 1, 'baton.agent': 'echo', 'baton.outcome': 'step.succeeded' },
      { 'baton.run_id': id, 'baton.step_key': 'second', 'baton.attempt': 1, 'baton.agent': 'echo', 'baton.outcome': 'step.succeeded' },
    ]);
    // each step's span descends from the request's
    for (const step of steps) expect(ancestry(step, inTrace)).toContain(request);
    const names = new Set(inTrace.map((s) => s.name));
    for (const name of ['baton.admit', 'baton.enqueue', 'baton.commit']) expect(names).toContain(name);
    // the admission is the request's child, and Postgres's queries its own
    const admit = inTrace.find((s) => s.name === 'baton.admit')!;
    expect(ancestry(admit, inTrace)).toContain(request);
    // the run keeps the request's span as its root, for jobs enqueued where none of its steps runs
    const row = await baton.db.kysely.selectFrom('runs').select('traceparent').where('id', '=', id).executeTakeFirstOrThrow();
    expect(row.traceparent).toBe(`00-${traceId}-${request!.spanContext().spanId}-01`);
  });
});
