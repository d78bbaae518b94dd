import { noopLogger, type Logger } from './logger';
import { noopMeter } from './meter';
import { noopTracer } from './tracer';

describe('the no-op ports', () => {
  it('accept every call and record nothing', () => {
    const logger: Logger = noopLogger;
    expect(logger.info('x', { a: 1 })).toBeUndefined();
    expect(logger.warn('x')).toBeUndefined();
    expect(logger.error('x')).toBeUndefined();

    const span = noopTracer.startSpan('step', { kind: 'consumer', attributes: { agent: 'echo' }, traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' });
    span.setAttributes({ ok: true });
    span.recordError(new Error('x'));
    span.end();
    expect(span.traceparent).toBeUndefined();
    expect(noopTracer.withSpan(span, () => 42)).toBe(42);
    expect(noopTracer.activeTraceparent()).toBeUndefined();

    expect(noopMeter.counter('baton_runs_total', { help: 'runs', labelNames: ['status'] }).inc({ status: 'succeeded' })).toBeUndefined();
    expect(noopMeter.histogram('baton_step_duration_seconds', { help: 'd', buckets: [1] }).observe(0.5, { agent: 'echo' })).toBeUndefined();
    expect(noopMeter.gauge('baton_queue_jobs', { help: 'jobs' }).set(3)).toBeUndefined();
  });
});
