import { defineAgent } from '@baton/agents';
import { z } from 'zod';
import { BatonHarness, type RunView } from '../testing/baton-harness';

jest.setTimeout(60_000);

// Counts the attempts running at once, per group, across every worker of the process.
const running = new Map<string, number>();
const most = new Map<string, number>();
const hold = defineAgent({
  name: 'hold',
  description: 'Holds its step for ms milliseconds, counting how many of its group run at once',
  input: z.object({ group: z.string(), ms: z.number() }).passthrough(),
  run: async ({ group, ms }) => {
    const now = (running.get(group) ?? 0) + 1;
    running.set(group, now);
    most.set(group, Math.max(most.get(group) ?? 0, now));
    await new Promise((r) => setTimeout(r, ms));
    running.set(group, running.get(group)! - 1);
    return { group };
  },
});

const keyed = (limit: number, ms: number) => ({
  name: 'per-customer',
  concurrency: { key: '{{ $input.customer }}', limit },
  steps: [{ id: 'work', agent: 'hold', input: { group: '{{ $input.customer }}', ms } }],
});

/** The most runs whose [startedAt, finishedAt] overlap at one time. */
function mostOverlapping(runs: RunView[]): number {
  const edges = runs.flatMap((r) => [[Date.parse(r.startedAt!), 1], [Date.parse(r.finishedAt!), -1]] as const);
  edges.sort((a, b) => a[0] - b[0] || a[1] - b[1]); // an end before a start at the same instant
  let now = 0;
  let top = 0;
  for (const [, d] of edges) top = Math.max(top, (now += d));
  return top;
}

describe('concurrency limits through HTTP', () => {
  let baton: BatonHarness;
  beforeAll(async () => {
    baton = await BatonHarness.start({ workers: 2, extraAgents: [hold] });
  });
  afterAll(() => baton.close());

  test('a concurrency key holds runs to its limit: 6 runs of one customer with limit 2 run 2 at a time, all finish, in submission order', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 6; i++) ids.push(await baton.submit(keyed(2, 300), { customer: 'acme', i }));
    // Another customer's runs are not held by acme's slots.
    const other = await baton.submit(keyed(2, 300), { customer: 'globex' });
    const early = await baton.run(ids[5]!);
    expect(early.status).toBe('queued');
    expect((await baton.waitFor(other)).status).toBe('succeeded');

    const runs = await Promise.all(ids.map((id) => baton.waitFor(id, { timeoutMs: 20_000 })));
    expect(runs.map((r) => r.status)).toEqual(Array(6).fill('succeeded'));
    expect(runs.map((r) => r.output)).toEqual(Array(6).fill({ work: { group: 'acme' } }));
    expect(most.get('acme')).toBe(2);
    expect(mostOverlapping(runs)).toBe(2);
    const started = runs.map((r) => Date.parse(r.startedAt!));
    expect([...started].sort((a, b) => a - b)).toEqual(started);
    // Each of the last four started only when an earlier one finished.
    const finishes = runs.map((r) => Date.parse(r.finishedAt!)).sort((a, b) => a - b);
    for (let i = 2; i < 6; i++) expect(started[i]).toBeGreaterThanOrEqual(finishes[i - 2]!);
  });

  test('a waiting run that is cancelled leaves the line; the next one takes the freed slot', async () => {
    const first = await baton.submit(keyed(1, 500), { customer: 'initech' });
    const second = await baton.submit(keyed(1, 500), { customer: 'initech' });
    const third = await baton.submit(keyed(1, 500), { customer: 'initech' });
    expect((await baton.request('POST', `/v1/runs/${second}/cancel`)).status).toBe(202);
    const cancelled = await baton.waitFor(second);
    expect(cancelled.status).toBe('cancelled');
    expect(cancelled.startedAt).toBeUndefined();
    const [a, c] = [await baton.waitFor(first), await baton.waitFor(third)];
    expect([a.status, c.status]).toEqual(['succeeded', 'succeeded']);
    expect(Date.parse(c.startedAt!)).toBeGreaterThanOrEqual(Date.parse(a.finishedAt!));
  });

  test('a key that yields nothing for the input is a 400 naming workflow.concurrency.key', async () => {
    const res = await baton.request('POST', '/v1/runs', { workflow: keyed(2, 1), input: {} });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('VALIDATION_FAILED');
    expect(res.body.error.details).toEqual([{ path: 'workflow.concurrency.key', message: 'evaluates to nothing for this input' }]);
  });
});

describe('per-agent concurrency across the fleet (BATON_AGENT_CONCURRENCY)', () => {
  let baton: BatonHarness;
  beforeAll(async () => {
    baton = await BatonHarness.start({ workers: 2, extraAgents: [hold], env: { BATON_AGENT_CONCURRENCY: '{"hold":1}' } });
  });
  afterAll(() => baton.close());

  test('two workers of concurrency 20 run one hold job at a time between them', async () => {
    const id = await baton.submit({
      name: 'fan',
      steps: [{ id: 'each', agent: 'hold', forEach: '{{ $input.items }}', input: { group: 'fleet', ms: 150 } }],
    }, { items: [1, 2, 3, 4, 5] });
    const run = await baton.waitFor(id, { timeoutMs: 20_000 });
    expect(run.status).toBe('succeeded');
    expect(most.get('fleet')).toBe(1);
    const children = run.steps.filter((s) => s.key.startsWith('each['));
    expect(children).toHaveLength(5);
    expect(mostOverlapping(children as unknown as RunView[])).toBe(1);
  });
});
