import { randomBytes, randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { BatonHarness } from '../testing/baton-harness';

jest.setTimeout(600_000);

const ADMIN = `admin-${randomUUID()}`;
const BIG = Number(process.env.BULK_E2E_RUNS ?? 10_000);

const waiting = (name: string) => ({ name, steps: [{ id: 'hold', agent: 'wait', input: { signal: 'go' } }] });
const quick = { name: 'quick', steps: [{ id: 'one', agent: 'echo', input: { n: '{{ $input.n }}' } }] };
const flaky = { name: 'flaky', steps: [{ id: 'once', agent: 'fail', input: { untilAttempt: 2, message: 'first time fails' } }] };

describe('bulk operations through HTTP', () => {
  let baton: BatonHarness;
  const keys: Record<string, string> = {};
  const as = (who: string) => ({ 'x-api-key': keys[who] ?? who });
  const submit = async (who: string, workflow: unknown, input: unknown = {}): Promise<string> => {
    const res = await baton.request('POST', '/v1/runs', { workflow, input }, as(who));
    if (res.status !== 202) throw new Error(`submit answered ${res.status}: ${JSON.stringify(res.body)}`);
    return res.body.id as string;
  };
  const statusOf = async (who: string, id: string): Promise<string> => (await baton.request('GET', `/v1/runs/${id}`, undefined, as(who))).body.status;
  const until = async <T>(read: () => Promise<T>, ok: (v: T) => boolean, timeoutMs = 120_000): Promise<T> => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const v = await read();
      if (ok(v)) return v;
      if (Date.now() > deadline) throw new Error(`still ${JSON.stringify(v)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  const operation = async (who: string, id: string) => (await baton.request('GET', `/v1/bulk-operations/${id}`, undefined, as(who))).body;
  const countByStatus = async (tenant: string, workflow: string): Promise<Record<string, number>> => {
    const { rows } = await sql<{ status: string; n: string }>`SELECT status, count(*) AS n FROM runs WHERE tenant = ${tenant} AND workflow_name = ${workflow} GROUP BY status`.execute(baton.db.kysely);
    return Object.fromEntries(rows.map((r) => [r.status, Number(r.n)]));
  };

  beforeAll(async () => {
    baton = await BatonHarness.start({ workers: 1, env: { BATON_ADMIN_KEY: ADMIN, BATON_KEY_PEPPER: randomBytes(32).toString('base64url'), DB_POOL_SIZE: '10', BATON_RATE_LIMIT_PER_MINUTE: '0' } });
    for (const [who, tenant, role] of [['a', 'tenant-a', 'admin'], ['b', 'tenant-b', 'admin'], ['operator', 'tenant-a', 'operator'], ['viewer', 'tenant-a', 'viewer'], ['submitter', 'tenant-a', 'submitter']] as const) {
      const created = await baton.request('POST', '/v1/api-keys', { name: who, role, tenant }, as(ADMIN));
      expect(created.status).toBe(201);
      keys[who] = created.body.key as string;
    }
  });
  afterAll(() => baton.close());

  test(`a bulk cancel of ${BIG} waiting runs answers at once, shows its progress, survives an api restart, touches no other tenant, while other runs keep completing`, async () => {
    // The runs to cancel: each waits for a signal, holding no worker and no job.
    const ids: string[] = [];
    let next = 0;
    await Promise.all(Array.from({ length: 16 }, async () => {
      while (next < BIG) {
        next++;
        ids.push(await submit('a', waiting('parked')));
      }
    }));
    const others = await Promise.all(Array.from({ length: 5 }, () => submit('b', waiting('parked'))));
    expect(await countByStatus('tenant-a', 'parked')).toEqual({ running: BIG });

    const started = Date.now();
    const post = await baton.request('POST', '/v1/bulk-operations', { action: 'cancel', filter: { workflow: 'parked', status: ['queued', 'running'] } }, as('operator'));
    expect(post.status).toBe(202);
    expect(Date.now() - started).toBeLessThan(5000);
    const op = post.body.id as string;

    // Other work goes on meanwhile, and runs created after the operation are not its.
    const completing = Promise.all(Array.from({ length: 10 }, async (_, n) => {
      const id = await submit('a', quick, { n });
      return until(() => statusOf('a', id), (s) => s === 'succeeded', 60_000);
    }));

    const midway = await until(() => operation('a', op), (o) => o.done > 0);
    expect(midway).toMatchObject({ id: op, action: 'cancel', status: 'running', matched: BIG, failed: 0 });
    expect(midway.done).toBeLessThan(BIG);
    await completing;

    // The api stops mid-operation and starts again: the operation goes on from its saved batch.
    await baton.stopApi();
    await baton.startApi();
    const before = await operation('a', op);
    expect(before.done).toBeLessThan(BIG);
    const finished = await until(() => operation('a', op), (o) => o.status === 'succeeded', 400_000);
    expect(finished).toMatchObject({ id: op, action: 'cancel', status: 'succeeded', matched: BIG, done: BIG, failed: 0 });
    expect(await countByStatus('tenant-a', 'parked')).toEqual({ cancelled: BIG });
    expect(await countByStatus('tenant-a', 'quick')).toEqual({ succeeded: 10 });
    // Tenant B's runs of the same workflow wait on, and A's operation is a 404 to B.
    for (const id of others) expect(await statusOf('b', id)).toBe('running');
    expect((await baton.request('GET', `/v1/bulk-operations/${op}`, undefined, as('b'))).status).toBe(404);
    expect(await statusOf('a', ids[0]!)).toBe('cancelled');
  });

  test('a bulk retry re-runs the failed runs of a template filter and time range; other statuses are not matched', async () => {
    const failed = await Promise.all(Array.from({ length: 3 }, () => submit('a', flaky)));
    for (const id of failed) await until(() => statusOf('a', id), (s) => s === 'failed');
    const fine = await submit('a', quick, { n: 1 });
    await until(() => statusOf('a', fine), (s) => s === 'succeeded');
    const post = await baton.request('POST', '/v1/bulk-operations', { action: 'retry', filter: { workflow: 'flaky', createdAfter: new Date(Date.now() - 600_000).toISOString() } }, as('a'));
    expect(post.status).toBe(202);
    const done = await until(() => operation('a', post.body.id), (o) => o.status === 'succeeded');
    expect(done).toMatchObject({ action: 'retry', matched: 3, done: 3, failed: 0, filter: { workflow: 'flaky' } });
    for (const id of failed) expect(await until(() => statusOf('a', id), (s) => s === 'succeeded')).toBe('succeeded');
    // A range that ends before them matches none.
    const none = await baton.request('POST', '/v1/bulk-operations', { action: 'retry', filter: { createdBefore: '2020-01-01T00:00:00Z' } }, as('a'));
    expect(await until(() => operation('a', none.body.id), (o) => o.status === 'succeeded')).toMatchObject({ matched: 0, done: 0, failed: 0 });
  });

  test('a bulk pause, then a bulk resume, of the runs of one workflow; the resumed runs finish', async () => {
    const ids = await Promise.all(Array.from({ length: 4 }, () => submit('a', waiting('pausable'))));
    const pause = await baton.request('POST', '/v1/bulk-operations', { action: 'pause', filter: { workflow: 'pausable' } }, as('operator'));
    expect(pause.status).toBe(202);
    expect(await until(() => operation('a', pause.body.id), (o) => o.status === 'succeeded')).toMatchObject({ action: 'pause', matched: 4, done: 4, failed: 0 });
    expect(await countByStatus('tenant-a', 'pausable')).toEqual({ paused: 4 });
    const resume = await baton.request('POST', '/v1/bulk-operations', { action: 'resume', filter: { workflow: 'pausable', status: ['paused'] } }, as('operator'));
    expect(await until(() => operation('a', resume.body.id), (o) => o.status === 'succeeded')).toMatchObject({ action: 'resume', matched: 4, done: 4, failed: 0 });
    expect(await countByStatus('tenant-a', 'pausable')).toEqual({ running: 4 });
    for (const id of ids) expect((await baton.request('POST', `/v1/runs/${id}/signals/go`, {}, as('a'))).status).toBe(202);
    for (const id of ids) expect(await until(() => statusOf('a', id), (s) => s === 'succeeded')).toBe('succeeded');
  });

  test('roles, bad requests and unknown ids', async () => {
    const body = { action: 'cancel', filter: { workflow: 'nothing-here' } };
    expect((await baton.request('POST', '/v1/bulk-operations', body, as('viewer'))).status).toBe(403);
    expect((await baton.request('POST', '/v1/bulk-operations', body, as('submitter'))).status).toBe(403);
    const ok = await baton.request('POST', '/v1/bulk-operations', body, as('operator'));
    expect(ok.status).toBe(202);
    expect((await baton.request('GET', `/v1/bulk-operations/${ok.body.id}`, undefined, as('viewer'))).status).toBe(200);

    const bad = async (b: unknown) => baton.request('POST', '/v1/bulk-operations', b, as('a'));
    const unknownAction = await bad({ action: 'explode', filter: {} });
    expect(unknownAction.status).toBe(400);
    expect(unknownAction.body.error).toMatchObject({ code: 'VALIDATION_FAILED', details: [{ path: 'action' }] });
    const unknownField = await bad({ action: 'cancel', filter: { colour: 'red' } });
    expect(unknownField.status).toBe(400);
    expect(unknownField.body.error.details).toEqual([{ path: 'filter.colour', message: 'unknown field' }]);
    expect((await bad({ action: 'cancel', filter: { status: ['sleeping'] } })).body.error.details[0].path).toBe('filter.status[0]');
    expect((await bad({ action: 'cancel', filter: { createdAfter: 'yesterday' } })).body.error.details[0].path).toBe('filter.createdAfter');
    expect((await bad({ action: 'cancel' })).status).toBe(400);

    expect((await baton.request('GET', `/v1/bulk-operations/${randomUUID()}`, undefined, as('a'))).status).toBe(404);
    expect((await baton.request('GET', '/v1/bulk-operations/not-a-uuid', undefined, as('a'))).body.error.code).toBe('BULK_OPERATION_NOT_FOUND');
  });
});
