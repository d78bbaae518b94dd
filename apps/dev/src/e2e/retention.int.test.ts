import { sql } from 'kysely';
import { BatonHarness } from '../testing/baton-harness';
import { waitFor } from '../testing/ephemeral-services';

/** Rows left that belong to these runs, by table. */
async function rowsOf(baton: BatonHarness, ids: string[]): Promise<Record<string, number>> {
  const count = async (table: string, column = 'run_id') =>
    Number((await sql<{ n: string }>`SELECT count(*) AS n FROM ${sql.table(table)} WHERE ${sql.ref(column)} = ANY(${ids}::uuid[])`.execute(baton.db.kysely)).rows[0]!.n);
  return {
    runs: await count('runs', 'id'), steps: await count('steps'), run_events: await count('run_events'),
    idempotency_keys: await count('idempotency_keys'), run_links: await count('run_links', 'child_run_id'),
  };
}

const age = (baton: BatonHarness, ids: string[], days: number) =>
  sql`UPDATE runs SET finished_at = finished_at - make_interval(days => ${days}) WHERE id = ANY(${ids}::uuid[])`.execute(baton.db.kysely);

describe('retention (BATON_RETENTION_DAYS), swept by a scheduled job of the workers', () => {
  let baton: BatonHarness;
  beforeAll(async () => {
    baton = await BatonHarness.start({ env: { BATON_RETENTION_DAYS: '30', RETENTION_EVERY_MS: '1000' } });
  });
  afterAll(() => baton.close());

  test('deletes finished runs older than the retention with their steps, events and keys; keeps recent, live and a live parent\'s children', async () => {
    const chain = { name: 'chain', steps: [{ id: 'a', agent: 'echo' }, { id: 'b', agent: 'echo', needs: ['a'] }] };
    const old: string[] = [];
    for (let i = 0; i < 3; i++) old.push(await baton.submit(chain, { i }, {}));
    const keyed = await baton.request('POST', '/v1/runs', { workflow: chain, input: { keyed: true } }, { 'Idempotency-Key': 'retention-key' });
    old.push(keyed.body.id);
    const recent = await baton.submit(chain);
    expect((await baton.request('PUT', '/v1/templates/leaf', { name: 'leaf', steps: [{ id: 'x', agent: 'echo' }] })).status).toBe(201);
    const parent = await baton.submit({ name: 'parent', steps: [{ id: 'child', workflow: 'leaf' }, { id: 'gate', agent: 'wait', needs: ['child'], input: { signal: 'go' } }] });
    for (const id of [...old, recent]) expect((await baton.waitFor(id)).status).toBe('succeeded');
    await baton.waitFor(parent, { status: 'running' });
    await waitFor(async () => (await baton.run(parent)).steps.some((s) => s.key === 'gate' && s.status === 'waiting'), 15_000, 'the parent waits');
    const child = (await sql<{ id: string }>`SELECT child_run_id AS id FROM run_links WHERE parent_run_id = ${parent}`.execute(baton.db.kysely)).rows[0]!.id;
    expect((await baton.run(child)).status).toBe('succeeded');

    // Older than 30 days: the four chains and the child (whose parent still runs); the recent one is 29 days old.
    await age(baton, [...old, child], 40);
    await age(baton, [recent], 29);
    await waitFor(async () => (await rowsOf(baton, old)).runs === 0, 20_000, 'the old runs are deleted');
    expect(await rowsOf(baton, old)).toEqual({ runs: 0, steps: 0, run_events: 0, idempotency_keys: 0, run_links: 0 });
    for (const id of old) expect((await baton.request('GET', `/v1/runs/${id}`)).status).toBe(404);
    expect((await baton.run(recent)).status).toBe('succeeded');
    expect((await baton.run(child)).status).toBe('succeeded');
    expect((await rowsOf(baton, [child])).run_links).toBe(1);

    // The parent finishes and ages: parent and child go together.
    expect((await baton.request('POST', `/v1/runs/${parent}/signals/go`, {})).status).toBe(202);
    expect((await baton.waitFor(parent)).status).toBe('succeeded');
    await age(baton, [parent], 40);
    await waitFor(async () => (await rowsOf(baton, [parent, child])).runs === 0, 20_000, 'the parent and its child are deleted');
    expect((await baton.run(recent)).status).toBe('succeeded');

    // A deleted run's idempotency key is free again: the same key makes a new run.
    const again = await baton.request('POST', '/v1/runs', { workflow: chain, input: { keyed: true } }, { 'Idempotency-Key': 'retention-key' });
    expect(again.status).toBe(202);
    expect(again.body.id).not.toBe(keyed.body.id);
  }, 90_000);
});
