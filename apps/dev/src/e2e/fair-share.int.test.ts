import { randomBytes, randomUUID } from 'node:crypto';
import { BatonHarness } from '../testing/baton-harness';

jest.setTimeout(180_000);

const ADMIN = `admin-${randomUUID()}`;

// One pool of one slot for every tenant's runs of `shared`; tenant-a weighs 3, tenant-b 1.
const shared = (step: object) => ({
  name: 'shared',
  concurrency: { key: '{{ $input.customer }}', limit: 100, total: 1, weights: { tenants: { 'tenant-a': 3 } } },
  steps: [step],
});
const blocker = shared({ id: 'hold', agent: 'wait', input: { signal: 'go' } });
const quick = shared({ id: 'work', agent: 'echo', input: { i: '{{ $input.i }}' } });

describe('fair sharing through HTTP', () => {
  let baton: BatonHarness;
  const keys: Record<string, string> = {};
  const as = (who: string) => ({ 'x-api-key': keys[who] ?? who });
  const submit = async (who: string, workflow: unknown, input: unknown): Promise<string> => {
    const res = await baton.request('POST', '/v1/runs', { workflow, input }, as(who));
    if (res.status !== 202) throw new Error(`submit answered ${res.status}: ${JSON.stringify(res.body)}`);
    return res.body.id as string;
  };
  const finished = async (who: string, id: string) => {
    const deadline = Date.now() + 120_000;
    for (;;) {
      const run = (await baton.request('GET', `/v1/runs/${id}`, undefined, as(who))).body;
      if (['succeeded', 'failed', 'cancelled'].includes(run.status)) return run as { status: string; startedAt: string };
      if (Date.now() > deadline) throw new Error(`run ${id} is still ${run.status}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };

  beforeAll(async () => {
    baton = await BatonHarness.start({ workers: 1, env: { BATON_ADMIN_KEY: ADMIN, BATON_KEY_PEPPER: randomBytes(32).toString('base64url') } });
    for (const tenant of ['tenant-a', 'tenant-b']) {
      const created = await baton.request('POST', '/v1/api-keys', { name: tenant, role: 'admin', tenant }, as(ADMIN));
      expect(created.status).toBe(201);
      keys[tenant] = created.body.key as string;
    }
  });
  afterAll(() => baton.close());

  test('two tenants flooding one pool are admitted in weighted round-robin (3:1), not in submission order', async () => {
    // A's blocker holds the pool's only slot while both tenants queue 12 runs each, A's first.
    const hold = await submit('tenant-a', blocker, { customer: 'acme' });
    const queued: Array<{ tenant: string; id: string }> = [];
    for (let i = 0; i < 12; i++) queued.push({ tenant: 'tenant-a', id: await submit('tenant-a', quick, { customer: 'acme', i }) });
    for (let i = 0; i < 12; i++) queued.push({ tenant: 'tenant-b', id: await submit('tenant-b', quick, { customer: 'bolt', i }) });
    expect((await baton.request('GET', `/v1/runs/${queued[0]!.id}`, undefined, as('tenant-a'))).body.status).toBe('queued');

    expect((await baton.request('POST', `/v1/runs/${hold}/signals/go`, {}, as('tenant-a'))).status).toBe(202);
    const runs = await Promise.all(queued.map(async (q) => ({ ...q, run: await finished(q.tenant, q.id) })));
    expect(runs.every((r) => r.run.status === 'succeeded')).toBe(true);
    // One slot: each run starts after the one before it finished, so start times give the order.
    const order = runs.sort((x, y) => Date.parse(x.run.startedAt) - Date.parse(y.run.startedAt)).map((r) => (r.tenant === 'tenant-a' ? 'A' : 'B')).join('');
    // The blocker already charged A one turn, so B goes first; then three of A for each of B until A runs out.
    expect(order).toBe('BAAABAAABAAABAAABBBBBBBB');
    // Within a key, runs keep their submission order.
    const aOrder = runs.filter((r) => r.tenant === 'tenant-a').map((r) => queued.findIndex((q) => q.id === r.id));
    expect(aOrder).toEqual([...aOrder].sort((x, y) => x - y));
  });
});
