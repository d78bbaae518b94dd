// POST /v1/runs/batch through HTTP: each run answered in order, on its own, then run by real workers.
import { randomBytes, randomUUID } from 'node:crypto';
import { BatonClient } from '@baton/client';
import { BatonHarness, type RunView } from '../testing/baton-harness';

jest.setTimeout(300_000);

const ADMIN = `admin-${randomUUID()}`;
const auth = { 'x-api-key': ADMIN };
const chain = (name: string) => ({
  name,
  steps: [
    { id: 'a', agent: 'echo', input: '{{ $input }}' },
    { id: 'b', agent: 'echo', needs: ['a'], input: '{{ $steps.a.output }}' },
  ],
  output: '{{ $steps.b.output }}',
});

describe('POST /v1/runs/batch', () => {
  let baton: BatonHarness;
  const post = (runs: unknown, headers: Record<string, string> = auth) => baton.request('POST', '/v1/runs/batch', { runs }, headers);
  const run = async (id: string): Promise<RunView> => (await baton.request('GET', `/v1/runs/${id}`, undefined, auth)).body as RunView;
  const finished = async (id: string): Promise<RunView> => {
    const deadline = Date.now() + 120_000;
    for (;;) {
      const view = await run(id);
      if (['succeeded', 'failed', 'cancelled'].includes(view.status)) return view;
      if (Date.now() > deadline) throw new Error(`run ${id} is still ${view.status}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };

  beforeAll(async () => {
    baton = await BatonHarness.start({
      // On a loaded machine a descheduled process can pass the 100 ms expression limit: not what these tests are about.
      env: { BATON_ADMIN_KEY: ADMIN, BATON_KEY_PEPPER: randomBytes(32).toString('base64url'), BATON_MAX_EXPRESSION_MS: '5000' },
    });
    expect((await baton.request('PUT', '/v1/templates/greet', { name: 'greet', steps: [{ id: 'hi', agent: 'echo', input: '{{ $input }}' }], output: '{{ $steps.hi.output }}' }, auth)).status).toBe(201);
  });
  afterAll(async () => {
    await baton?.close();
  });

  test('answers each run in order, admitted or refused on its own, and the admitted ones all run', async () => {
    const res = await post([
      { workflow: chain('ok'), input: { n: 1 } },
      { workflow: { name: 'broken', steps: [{ id: 'x', agent: 'no-such-agent' }] } },
      { template: 'greet', input: { hello: 'template' } },
      { template: 'nowhere' },
      'not a run',
      { workflow: chain('extra'), input: {}, colour: 'blue' },
      { workflow: chain('ok'), input: { n: 2 }, priority: 9 },
      { workflow: chain('ok'), template: 'greet' },
    ]);
    expect(res.status).toBe(202);
    const items = res.body.items as Array<{ id?: string; status?: string; created?: boolean; error?: { code: string; message: string; details: Array<{ path: string; message: string }> } }>;
    expect(items).toHaveLength(8);
    expect(items[0]).toEqual({ id: expect.any(String), status: 'queued', created: true });
    expect(items[1]!.error).toMatchObject({ code: 'VALIDATION_FAILED', details: [{ path: 'runs[1].workflow.steps[0].agent' }] });
    expect(items[2]).toMatchObject({ id: expect.any(String), created: true });
    expect(items[3]!.error).toMatchObject({ code: 'TEMPLATE_NOT_FOUND', details: [{ path: 'runs[3]' }] });
    expect(items[4]!.error).toMatchObject({ code: 'VALIDATION_FAILED', details: [{ path: 'runs[4]' }] });
    expect(items[5]!.error).toMatchObject({ code: 'VALIDATION_FAILED', details: [{ path: 'runs[5].colour', message: 'unknown field' }] });
    expect(items[6]).toMatchObject({ id: expect.any(String), created: true });
    expect(items[7]!.error).toMatchObject({ code: 'VALIDATION_FAILED', details: [{ path: 'runs[7].template' }] });

    const [first, greeted, second] = await Promise.all([items[0]!.id!, items[2]!.id!, items[6]!.id!].map(finished));
    expect(first).toMatchObject({ status: 'succeeded', output: { n: 1 } });
    expect(greeted).toMatchObject({ status: 'succeeded', output: { hello: 'template' }, template: 'greet', version: 1 });
    expect(second).toMatchObject({ status: 'succeeded', output: { n: 2 } });
  });

  test('an idempotency key answers the run it made before, and the same key twice in one batch makes one run', async () => {
    const key = `k-${randomUUID()}`;
    const single = await baton.request('POST', '/v1/runs', { workflow: chain('idem'), input: { v: 1 } }, { ...auth, 'idempotency-key': key });
    expect(single.status).toBe(202);
    const res = await post([
      { workflow: chain('idem'), input: { v: 1 }, idempotencyKey: key },
      { workflow: chain('idem'), input: { v: 2 }, idempotencyKey: key },
      { workflow: chain('idem'), input: { v: 3 }, idempotencyKey: `${key}-twice` },
      { workflow: chain('idem'), input: { v: 3 }, idempotencyKey: `${key}-twice` },
      { workflow: chain('idem'), input: { v: 4 }, idempotencyKey: '' },
    ]);
    expect(res.status).toBe(202);
    const [repeat, conflict, twice1, twice2, empty] = res.body.items;
    expect(repeat).toEqual({ id: single.body.id, status: expect.any(String), created: false });
    expect(conflict.error).toMatchObject({ code: 'IDEMPOTENCY_CONFLICT', details: [{ path: 'runs[1]' }] });
    expect(twice1).toMatchObject({ created: true });
    expect(twice2).toMatchObject({ id: twice1.id, created: false });
    expect(empty.error).toMatchObject({ code: 'VALIDATION_FAILED', details: [{ path: 'runs[4].idempotencyKey' }] });
    // The whole batch again: the same runs, none made twice.
    const again = await post([{ workflow: chain('idem'), input: { v: 3 }, idempotencyKey: `${key}-twice` }]);
    expect(again.body.items).toEqual([{ id: twice1.id, status: expect.any(String), created: false }]);
    expect(await finished(twice1.id)).toMatchObject({ status: 'succeeded', output: { v: 3 } });
  });

  test("a key's agent allow-list refuses only the runs that use other agents; a viewer may submit none", async () => {
    const created = await baton.request('POST', '/v1/api-keys', { name: 'echo-only', role: 'submitter', agents: ['echo'] }, auth);
    expect(created.status).toBe(201);
    const echoOnly = { 'x-api-key': created.body.key as string };
    const res = await post([
      { workflow: chain('allowed') },
      { workflow: { name: 'napper', steps: [{ id: 'nap', agent: 'delay', input: { ms: 1 } }] } },
    ], echoOnly);
    expect(res.status).toBe(202);
    expect(res.body.items[0]).toMatchObject({ id: expect.any(String), created: true });
    expect(res.body.items[1].error).toMatchObject({ code: 'FORBIDDEN', details: [{ path: 'runs[1].agents' }] });
    expect(res.body.items[1].error.message).toContain('delay');
    expect(await finished(res.body.items[0].id)).toMatchObject({ status: 'succeeded' });

    const viewer = await baton.request('POST', '/v1/api-keys', { name: 'viewer', role: 'viewer' }, auth);
    const refused = await post([{ workflow: chain('nope') }], { 'x-api-key': viewer.body.key as string });
    expect(refused.status).toBe(403);
  });

  test('a paused template admits its runs paused', async () => {
    expect((await baton.request('PUT', '/v1/templates/held', { name: 'held', steps: [{ id: 'hi', agent: 'echo' }] }, auth)).status).toBe(201);
    expect((await baton.request('POST', '/v1/templates/held/pause', undefined, auth)).status).toBe(202);
    const res = await post([{ template: 'held' }, { template: 'held' }, { template: 'greet' }]);
    expect(res.body.items.map((i: { status: string }) => i.status)).toEqual(['paused', 'paused', 'queued']);
    expect((await baton.request('POST', '/v1/templates/held/resume', undefined, auth)).status).toBe(202);
    for (const item of res.body.items) expect(await finished(item.id)).toMatchObject({ status: 'succeeded' });
  });

  test('a malformed batch or more than 1,000 runs is a 400 that admits nothing', async () => {
    const before = (await baton.request('GET', '/v1/runs?limit=200', undefined, auth)).body.items.length;
    const tooMany = await post(Array.from({ length: 1001 }, () => ({ workflow: chain('many') })));
    expect(tooMany.status).toBe(400);
    expect(tooMany.body.error).toMatchObject({ code: 'VALIDATION_FAILED', details: [{ path: 'runs', message: 'must hold 1 to 1000 runs' }] });
    expect((await post([])).status).toBe(400);
    expect((await baton.request('POST', '/v1/runs/batch', { runs: { workflow: chain('x') } }, auth)).body.error.details).toEqual([{ path: 'runs', message: 'must be an array of runs' }]);
    expect((await baton.request('POST', '/v1/runs/batch', { runs: [{ workflow: chain('x') }], extra: 1 }, auth)).body.error.details).toEqual([{ path: 'extra', message: 'unknown field' }]);
    expect((await baton.request('POST', '/v1/runs/batch', [{ workflow: chain('x') }], auth)).status).toBe(400);
    expect((await baton.request('GET', '/v1/runs?limit=200', undefined, auth)).body.items.length).toBe(before);
  });

  test('a thousand runs in one request, through the client, all complete; the body may pass 1 MiB', async () => {
    const client = new BatonClient({ baseUrl: baton.url, apiKey: ADMIN });
    const padding = 'x'.repeat(1200);
    const runs = Array.from({ length: 1000 }, (_, i) => ({ workflow: chain('thousand'), input: { i, padding } }));
    expect(JSON.stringify({ runs }).length).toBeGreaterThan(1024 * 1024);
    const items = await client.submitBatch(runs);
    expect(items).toHaveLength(1000);
    const ids = items.map((item) => ('id' in item ? item.id : JSON.stringify(item)));
    expect(new Set(ids).size).toBe(1000);
    const deadline = Date.now() + 180_000;
    let counts = await countByStatus(client);
    while ((counts.succeeded ?? 0) + (counts.failed ?? 0) < 1000 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 500));
      counts = await countByStatus(client);
    }
    expect(counts).toEqual({ succeeded: 1000 });
    const sample = await client.get(ids[999]!);
    expect(sample).toMatchObject({ status: 'succeeded', output: { i: 999, padding } });
  });
});

/** The runs of the `thousand` workflow that finished, by status, page after page. */
async function countByStatus(client: BatonClient): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const status of ['succeeded', 'failed'] as const) {
    for await (const r of client.listAll({ status, limit: 200 })) if (r.workflow === 'thousand') counts[status] = (counts[status] ?? 0) + 1;
  }
  return counts;
}
