// Templates end to end (api and workers in-process, real Redis, Postgres and BullMQ): a run keeps
// its version through a concurrent PUT, a second api instance runs the new latest version at once,
// a cron template fires once per tick with two workers, and one event starts two templates.
import { loadConfig, startApi } from '@baton/app-api';
import { createLogger } from '@baton/telemetry';
import { BatonHarness, type RunView } from '../testing/baton-harness';

jest.setTimeout(120_000);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('templates end to end', () => {
  let baton: BatonHarness;
  beforeAll(async () => {
    baton = await BatonHarness.start({ workers: 2 });
  });
  afterAll(async () => {
    await baton?.close();
  });

  const put = async (name: string, definition: unknown, url = baton.url) => {
    const res = await fetch(`${url}/v1/templates/${name}`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify(definition) });
    expect([200, 201]).toContain(res.status);
    return (await res.json()) as { name: string; version: number };
  };

  test('a run keeps the version it started with while a new one is put', async () => {
    const chain = (text: string) => ({
      name: 'pinned',
      steps: [{ id: 'hold', agent: 'delay', input: { ms: 1500, value: 'held' } }, { id: 'say', agent: 'echo', needs: ['hold'], input: { text } }],
      output: '{{ $steps.say.output.text }}',
    });
    expect(await put('pinned', chain('from v1'))).toEqual({ name: 'pinned', version: 1 });
    const started = await baton.request('POST', '/v1/runs', { template: 'pinned' });
    expect(started.status).toBe(202);
    await baton.waitFor(started.body.id, { status: 'running' });
    // Put while the first step runs: the run must finish with v1's second step.
    expect(await put('pinned', chain('from v2'))).toEqual({ name: 'pinned', version: 2 });
    const done = await baton.waitFor(started.body.id);
    expect(done).toMatchObject({ status: 'succeeded', template: 'pinned', version: 1, output: 'from v1' });
    const next = await baton.request('POST', '/v1/runs', { template: 'pinned' });
    expect(await baton.waitFor(next.body.id)).toMatchObject({ status: 'succeeded', version: 2, output: 'from v2' });
  });

  test('a second api instance starts the latest version at once after a PUT on the first', async () => {
    const other = await startApi(loadConfig(baton.env), createLogger({ service: 'api-2', silent: true }));
    try {
      const otherUrl = `http://127.0.0.1:${other.port}`;
      const runOnOther = async () => {
        const res = await fetch(`${otherUrl}/v1/runs`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ template: 'moving' }) });
        expect(res.status).toBe(202);
        const { id } = (await res.json()) as { id: string };
        return (await baton.run(id)) as RunView & { version: number };
      };
      for (let v = 1; v <= 5; v++) {
        expect(await put('moving', { name: 'moving', steps: [{ id: 'a', agent: 'echo', input: { v } }] })).toEqual({ name: 'moving', version: v });
        // Twice: the first fills the second instance's cache of the latest version, which the next PUT must clear.
        expect((await runOnOther()).version).toBe(v);
        expect((await runOnOther()).version).toBe(v);
      }
    } finally {
      await other.close();
    }
  });

  test('a cron template fires one run per tick across two workers, and GET /v1/schedules shows its next fire', async () => {
    const ticking = { name: 'ticking', schedule: { cron: '* * * * * *', input: { source: 'cron' } }, input: { type: 'object', properties: { source: { type: 'string' }, n: { type: 'integer', default: 7 } } }, steps: [{ id: 'a', agent: 'echo' }] };
    await put('ticking', ticking);
    const schedules = await baton.request('GET', '/v1/schedules');
    expect(schedules.status).toBe(200);
    expect(schedules.body.items).toEqual([{ template: 'ticking', version: 1, cron: '* * * * * *', timezone: 'UTC', input: { source: 'cron' }, nextFireAt: expect.any(String) }]);
    const next = Date.parse(schedules.body.items[0].nextFireAt as string);
    expect(next).toBeGreaterThan(Date.now() - 1000);
    expect(next).toBeLessThan(Date.now() + 2000);
    await sleep(4500);
    // A version without a schedule removes it: no tick after that.
    await put('ticking', { ...ticking, schedule: undefined });
    expect((await baton.request('GET', '/v1/schedules')).body.items).toEqual([]);
    await sleep(1500);
    const runs = (await baton.request('GET', '/v1/runs?template=ticking&limit=200')).body.items as Array<{ id: string; createdAt: string }>;
    const claims = await baton.db.kysely.selectFrom('idempotency_keys').select(['key', 'run_id']).where('key', 'like', 'schedule:ticking:%').execute();
    // One run per tick: as many runs as ticks, each tick's key held by one of them, ticks a second apart.
    expect(runs.length).toBeGreaterThanOrEqual(3);
    expect(claims).toHaveLength(runs.length);
    expect(new Set(claims.map((c) => c.run_id))).toEqual(new Set(runs.map((r) => r.id)));
    const ticks = claims.map((c) => Number(c.key.split(':').pop())).sort((a, b) => a - b);
    for (let i = 1; i < ticks.length; i++) expect(ticks[i]! - ticks[i - 1]!).toBe(1000);
    const run = await baton.waitFor(runs[0]!.id);
    expect(run).toMatchObject({ status: 'succeeded', template: 'ticking', version: 1, input: { source: 'cron', n: 7 } });
    const count = runs.length;
    await sleep(1500);
    expect((await baton.request('GET', '/v1/runs?template=ticking&limit=200')).body.items).toHaveLength(count);
  });

  test('one event starts two templates, each run to completion with the payload as its input', async () => {
    const listener = (name: string) => ({ name, on: ['order.placed'], steps: [{ id: 'a', agent: 'echo', input: { who: name, sku: '{{ $input.sku }}' } }], output: '{{ $steps.a.output }}' });
    await put('bill', listener('bill'));
    await put('ship', listener('ship'));
    await put('ignore', { ...listener('ignore'), on: ['order.cancelled'] });
    const res = await baton.request('POST', '/v1/events', { type: 'order.placed', payload: { sku: 'A-1' } });
    expect(res.status).toBe(202);
    expect(res.body.runs).toHaveLength(2);
    const runs = await Promise.all((res.body.runs as string[]).map((id) => baton.waitFor(id)));
    expect(runs.map((r) => (r as RunView & { template: string }).template).sort()).toEqual(['bill', 'ship']);
    for (const r of runs) expect(r).toMatchObject({ status: 'succeeded', input: { sku: 'A-1' }, output: { who: (r as RunView & { template: string }).template, sku: 'A-1' } });
  });
});
