import { PrometheusMeter } from './prometheus-meter';

describe('PrometheusMeter (core Meter port over prom-client)', () => {
  test('counters, histograms and gauges show in the Prometheus text with their labels', async () => {
    const meter = new PrometheusMeter({ defaultMetrics: false });
    meter.counter('t_runs_total', { help: 'runs', labelNames: ['status'] }).inc({ status: 'succeeded' });
    meter.counter('t_runs_total', { help: 'runs', labelNames: ['status'] }).inc({ status: 'succeeded' }, 2);
    meter.histogram('t_seconds', { help: 'time', labelNames: ['agent'], buckets: [0.1, 1] }).observe(0.5, { agent: 'echo' });
    meter.gauge('t_jobs', { help: 'jobs', labelNames: ['state'] }).set(7, { state: 'waiting' });
    const text = await meter.metrics();
    expect(text).toContain('t_runs_total{status="succeeded"} 3');
    expect(text).toContain('t_seconds_bucket{le="0.1",agent="echo"} 0');
    expect(text).toContain('t_seconds_bucket{le="1",agent="echo"} 1');
    expect(text).toContain('t_jobs{state="waiting"} 7');
    expect(meter.contentType).toMatch(/^text\/plain/);
  });

  test('the same name is the same instrument; another kind under it is refused', () => {
    const meter = new PrometheusMeter({ defaultMetrics: false });
    expect(meter.counter('t_x', { help: 'x' })).toBe(meter.counter('t_x', { help: 'x' }));
    expect(() => meter.gauge('t_x', { help: 'x' })).toThrow('metric t_x is a counter, not a gauge');
  });

  test('default process metrics are collected unless turned off', async () => {
    expect(await new PrometheusMeter().metrics()).toContain('process_cpu_user_seconds_total');
    expect(await new PrometheusMeter({ defaultMetrics: false }).metrics()).not.toContain('process_cpu_user_seconds_total');
  });
});
