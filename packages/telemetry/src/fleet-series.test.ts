import { FleetSeries, flushEvery, type FleetStore } from './fleet-series';

/** A store in memory, as Redis's HINCRBYFLOAT would add. */
function memoryStore(): FleetStore & { data: Record<string, string>; failing: boolean } {
  const store = {
    data: {} as Record<string, string>,
    failing: false,
    add: async (deltas: ReadonlyMap<string, number>) => {
      if (store.failing) throw new Error('store down');
      for (const [field, delta] of deltas) store.data[field] = String(Number(store.data[field] ?? 0) + delta);
    },
    totals: async () => ({ ...store.data }),
  };
  return store;
}

function series() {
  const fleet = new FleetSeries();
  return {
    fleet,
    steps: fleet.counter('t_steps_total', { help: 'steps', labelNames: ['agent', 'status'] }),
    wait: fleet.histogram('t_wait_seconds', { help: 'wait', labelNames: ['agent'], buckets: [0.1, 1] }),
  };
}

describe('FleetSeries', () => {
  test('two processes flushing to one store render the sum of both, as Prometheus text', () => {
    const store = memoryStore();
    const a = series();
    const b = series();
    a.steps.inc({ agent: 'echo', status: 'succeeded' });
    b.steps.inc({ status: 'succeeded', agent: 'echo' }, 2);
    a.wait.observe(0.05, { agent: 'echo' });
    b.wait.observe(0.5, { agent: 'echo' });
    b.wait.observe(7, { agent: 'echo' });
    return Promise.all([store.add(a.fleet.takePending()), store.add(b.fleet.takePending())]).then(() => {
      const text = a.fleet.render(store.data);
      expect(text).toContain('# TYPE t_steps_total counter\nt_steps_total{agent="echo",status="succeeded"} 3\n');
      expect(text).toContain('t_wait_seconds_bucket{agent="echo",le="0.1"} 1\n');
      expect(text).toContain('t_wait_seconds_bucket{agent="echo",le="1"} 2\n');
      expect(text).toContain('t_wait_seconds_bucket{agent="echo",le="+Inf"} 3\n');
      expect(text).toContain('t_wait_seconds_sum{agent="echo"} 7.55\n');
      expect(text).toContain('t_wait_seconds_count{agent="echo"} 3\n');
    });
  });

  test('takePending hands each delta over once; own totals keep counting what was flushed', () => {
    const { fleet, steps } = series();
    steps.inc({ agent: 'echo', status: 'failed' });
    expect([...fleet.takePending().values()]).toEqual([1]);
    expect(fleet.takePending().size).toBe(0);
    steps.inc({ agent: 'echo', status: 'failed' });
    expect(fleet.render(fleet.ownTotals())).toContain('t_steps_total{agent="echo",status="failed"} 2');
  });

  test('a label value with quotes, backslashes or a newline is escaped', () => {
    const { fleet, steps } = series();
    steps.inc({ agent: 'a"b\\c\nd', status: 'ok' });
    expect(fleet.render(fleet.ownTotals())).toContain('t_steps_total{agent="a\\"b\\\\c\\nd",status="ok"} 1');
  });

  test('fields of unknown series in the store are ignored', () => {
    const { fleet } = series();
    expect(fleet.render({ 'other\t\t': '5', garbage: '1' })).not.toMatch(/other|garbage/);
  });

  test('a failed flush keeps its deltas for the next one: nothing is lost while the store is down', async () => {
    const store = memoryStore();
    const { fleet, steps, wait } = series();
    const stop = flushEvery(fleet, store, 10_000, () => undefined);
    store.failing = true;
    steps.inc({ agent: 'echo', status: 'succeeded' });
    wait.observe(0.5, { agent: 'echo' });
    const errors: unknown[] = [];
    const stopFailing = flushEvery(fleet, store, 10_000, (e) => errors.push(e));
    await stopFailing();
    expect(errors).toHaveLength(1);
    expect(store.data).toEqual({});
    store.failing = false;
    steps.inc({ agent: 'echo', status: 'succeeded' });
    await stop();
    const text = fleet.render(store.data);
    expect(text).toContain('t_steps_total{agent="echo",status="succeeded"} 2');
    expect(text).toContain('t_wait_seconds_count{agent="echo"} 1');
    expect(fleet.render(fleet.ownTotals())).toBe(text);
  });

  test('the same name is the same family; another kind under it is refused', () => {
    const fleet = new FleetSeries();
    fleet.counter('t_x', { help: 'x' }).inc();
    expect(() => fleet.histogram('t_x', { help: 'x', buckets: [1] })).toThrow('metric t_x is a counter, not a histogram');
  });
});
