// Runtime settings through HTTP: a PATCH on one api instance is applied by the other instance and
// by the workers without a restart (rate limits, a worker's concurrency per agent); a bad value
// changes nothing; only admins of tenant "default" read or change them; each change is audited.
import { sql } from 'kysely';
import { loadConfig, startApi, type RunningApi } from '@baton/app-api';
import { createLogger } from '@baton/telemetry';
import { BatonHarness } from '../testing/baton-harness';

const ADMIN = 'admin-key-for-the-settings-test';

jest.setTimeout(60_000);

describe('runtime settings (GET/PATCH /v1/settings)', () => {
  let baton: BatonHarness;
  let second: RunningApi;
  const call = async (base: string, method: string, path: string, key = ADMIN, body?: unknown) => {
    const res = await fetch(`${base}${path}`, {
      method,
      headers: { authorization: `Bearer ${key}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined };
  };
  const one = () => baton.url;
  const two = () => `http://127.0.0.1:${second.port}`;
  const key = async (role: string, tenant?: string) => (await call(one(), 'POST', '/v1/api-keys', ADMIN, { name: role, role, ...(tenant ? { tenant } : {}) })).body as { id: string; key: string };

  beforeAll(async () => {
    baton = await BatonHarness.start({ env: { BATON_ADMIN_KEY: ADMIN, BATON_KEY_PEPPER: 'pepper-for-the-settings-test-0123456789', WORKER_CONCURRENCY: '20' } });
    second = await startApi(loadConfig(baton.env), createLogger({ level: 'error', service: 'api-2', silent: true }));
  });
  afterAll(async () => {
    await second?.close();
    await baton?.close();
  });

  test('start empty; a bad patch is a 400 naming every problem and changes nothing; only admins of tenant default', async () => {
    expect(await call(one(), 'GET', '/v1/settings')).toEqual({ status: 200, body: { settings: {}, version: 0 } });
    const bad = await call(one(), 'PATCH', '/v1/settings', ADMIN, { workerConcurrency: { delay: 0 }, retentionDays: 'soon', colour: 'blue' });
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('VALIDATION_FAILED');
    expect(bad.body.error.details.map((d: { path: string }) => d.path).sort()).toEqual(['', 'retentionDays', 'workerConcurrency.delay']);
    expect((await call(two(), 'GET', '/v1/settings')).body).toEqual({ settings: {}, version: 0 });

    const operator = await key('operator');
    expect((await call(one(), 'GET', '/v1/settings', operator.key)).status).toBe(403);
    expect((await call(one(), 'PATCH', '/v1/settings', operator.key, { retentionDays: 1 })).status).toBe(403);
    const otherAdmin = await key('admin', 'acme');
    const refused = await call(one(), 'PATCH', '/v1/settings', otherAdmin.key, { retentionDays: 1 });
    expect(refused).toMatchObject({ status: 403, body: { error: { code: 'FORBIDDEN' } } });
    expect((await call(two(), 'GET', '/v1/settings')).body.version).toBe(0);
  });

  test('a key\'s rate limit set on one instance holds on the other at once, and null removes it', async () => {
    const viewer = await key('viewer');
    const set = await call(one(), 'PATCH', '/v1/settings', ADMIN, { rateLimitsByKey: { [viewer.id]: 3 } });
    expect(set).toMatchObject({ status: 200, body: { settings: { rateLimitsByKey: { [viewer.id]: 3 } }, version: 1, updatedBy: 'admin-key' } });
    // The other instance heard it through Redis; give the message a moment.
    await new Promise((r) => setTimeout(r, 300));
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push((await call(two(), 'GET', '/v1/runs?limit=1', viewer.key)).status);
    expect(statuses).toEqual([200, 200, 200, 429]);
    expect((await call(two(), 'PATCH', '/v1/settings', ADMIN, { rateLimitsByKey: { [viewer.id]: null } })).body.settings).toEqual({ rateLimitsByKey: {} });
    await new Promise((r) => setTimeout(r, 300));
    expect((await call(one(), 'GET', '/v1/runs?limit=1', viewer.key)).status).toBe(200);
  });

  test('a worker\'s concurrency for an agent changes live: one at a time, then in parallel again', async () => {
    const fanout = { name: 'fanout', steps: [{ id: 'each', agent: 'delay', forEach: '{{ $input.items }}', input: { ms: 700 } }] };
    const overlaps = (run: Awaited<ReturnType<BatonHarness['run']>>) => {
      const spans = run.steps.filter((s) => s.key.startsWith('each[')).map((s) => [Date.parse(s.startedAt!), Date.parse(s.finishedAt!)] as const);
      return spans.some(([start, end], i) => spans.some(([s2], j) => j !== i && s2 >= start && s2 < end));
    };
    expect((await call(one(), 'PATCH', '/v1/settings', ADMIN, { workerConcurrency: { delay: 1 } })).status).toBe(200);
    await new Promise((r) => setTimeout(r, 300));
    const serial = await call(one(), 'POST', '/v1/runs', ADMIN, { workflow: fanout, input: { items: [1, 2, 3] } });
    const run = await waitDone(serial.body.id);
    expect(run.status).toBe('succeeded');
    expect(overlaps(run)).toBe(false);

    expect((await call(two(), 'PATCH', '/v1/settings', ADMIN, { workerConcurrency: null })).status).toBe(200);
    await new Promise((r) => setTimeout(r, 300));
    const parallel = await call(one(), 'POST', '/v1/runs', ADMIN, { workflow: fanout, input: { items: [1, 2, 3] } });
    expect(overlaps(await waitDone(parallel.body.id))).toBe(true);
  });

  test('every change is an audit event naming who made it', async () => {
    const { rows } = await sql<{ actor: string; action: string; data: { version: number; patch: unknown } }>`SELECT actor, action, data FROM audit_events ORDER BY at`.execute(baton.db.kysely);
    expect(rows.map((r) => [r.actor, r.action, r.data.version])).toEqual([
      ['admin-key', 'settings.changed', 1], ['admin-key', 'settings.changed', 2], ['admin-key', 'settings.changed', 3], ['admin-key', 'settings.changed', 4],
    ]);
    expect(rows[2]!.data.patch).toEqual({ workerConcurrency: { delay: 1 } });
  });

  async function waitDone(id: string) {
    for (const end = Date.now() + 20_000; Date.now() < end; await new Promise((r) => setTimeout(r, 100))) {
      const res = await call(one(), 'GET', `/v1/runs/${id}`);
      if (['succeeded', 'failed', 'cancelled'].includes(res.body?.status)) return res.body as Awaited<ReturnType<BatonHarness['run']>>;
    }
    throw new Error(`run ${id} did not finish`);
  }
});
