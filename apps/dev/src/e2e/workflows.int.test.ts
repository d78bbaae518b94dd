import { randomUUID } from 'node:crypto';
import { defineAgent } from '@baton/agents';
import { z } from 'zod';
import { BatonHarness, type RunView } from '../testing/baton-harness';

jest.setTimeout(60_000);

// Counts every execution of every step, to show a fan-in runs each step exactly once.
const executions = new Map<string, number>();
const counter = defineAgent({
  name: 'counter',
  description: 'Counts its executions',
  input: z.object({ n: z.number() }).passthrough(),
  run: async (input, ctx) => {
    const id = `${ctx.runId}|${ctx.key}`;
    executions.set(id, (executions.get(id) ?? 0) + 1);
    return { n: input.n };
  },
});

// Writes its input's entries into the run's context and reports what it could read.
const remember = defineAgent({
  name: 'remember',
  description: 'Writes context keys',
  input: z.record(z.unknown()),
  run: async (input, ctx) => {
    for (const [k, v] of Object.entries(input)) ctx.context.set(k, v);
    return { saw: ctx.context.keys().sort() };
  },
});

let baton: BatonHarness;
beforeAll(async () => {
  baton = await BatonHarness.start({ workers: 1, extraAgents: [counter, remember] });
});
afterAll(() => baton.close());

const step = (run: { steps: Array<{ key: string }> }, key: string) => {
  const found = run.steps.find((s) => s.key === key);
  if (!found) throw new Error(`no step ${key}`);
  return found as RunView['steps'][number] & { output?: unknown };
};

test('a chain passes outputs through templates', async () => {
  const id = await baton.submit(
    {
      name: 'chain',
      steps: [
        { id: 'a', agent: 'echo', input: { greeting: 'hello {{ $input.who }}', n: '{{ $input.n }}' } },
        { id: 'b', agent: 'transform', needs: ['a'], input: { expression: 'n * 2', data: '{{ $steps.a.output }}' } },
        { id: 'c', agent: 'echo', needs: ['b'], input: { text: '{{ $steps.a.output.greeting }} x{{ $steps.b.output }}', doubled: '{{ $steps.b.output }}' } },
      ],
    },
    { who: 'world', n: 21 },
  );
  const run = await baton.waitFor(id);
  expect(run.status).toBe('succeeded');
  expect(step(run, 'a').output).toEqual({ greeting: 'hello world', n: 21 });
  expect(step(run, 'b').output).toBe(42);
  expect(run.output).toEqual({ c: { text: 'hello world x42', doubled: 42 } });
});

test('parallel steps overlap in time', async () => {
  const id = await baton.submit({
    name: 'parallel',
    steps: [
      { id: 'left', agent: 'delay', input: { ms: 400, value: 'l' } },
      { id: 'right', agent: 'delay', input: { ms: 400, value: 'r' } },
    ],
  });
  const run = await baton.waitFor(id);
  expect(run.status).toBe('succeeded');
  const left = step(run, 'left');
  const right = step(run, 'right');
  expect(Date.parse(left.startedAt!)).toBeLessThan(Date.parse(right.finishedAt!));
  expect(Date.parse(right.startedAt!)).toBeLessThan(Date.parse(left.finishedAt!));
  expect(run.output).toEqual({ left: 'l', right: 'r' });
});

test('conditions pick a branch and the join runs after whichever ran', async () => {
  const workflow = {
    name: 'branches',
    steps: [
      { id: 'classify', agent: 'echo', input: { priority: '{{ $input.priority }}' } },
      { id: 'urgent', agent: 'echo', needs: ['classify'], when: "{{ $steps.classify.output.priority = 'high' }}", input: { path: 'urgent' } },
      { id: 'normal', agent: 'echo', needs: ['classify'], when: "{{ $steps.classify.output.priority != 'high' }}", input: { path: 'normal' } },
      { id: 'join', agent: 'echo', needs: ['urgent', 'normal'], input: { urgent: '{{ $steps.urgent.status }}', normal: '{{ $steps.normal.status }}' } },
    ],
  };
  const high = await baton.waitFor(await baton.submit(workflow, { priority: 'high' }));
  const low = await baton.waitFor(await baton.submit(workflow, { priority: 'low' }));
  expect(high.status).toBe('succeeded');
  expect(step(high, 'normal').status).toBe('skipped');
  expect(step(high, 'join').output).toEqual({ urgent: 'succeeded', normal: 'skipped' });
  expect(step(low, 'urgent').status).toBe('skipped');
  expect(step(low, 'join').output).toEqual({ urgent: 'skipped', normal: 'succeeded' });
});

test('forEach keeps item order and respects concurrency', async () => {
  const items = Array.from({ length: 12 }, (_, i) => ({ i, ms: (12 - i) * 10 }));
  const id = await baton.submit(
    {
      name: 'fanout',
      steps: [
        { id: 'each', agent: 'delay', forEach: '{{ $input.items }}', concurrency: 3, input: { ms: '{{ $item.ms }}', value: '{{ $index }}' } },
        { id: 'sum', agent: 'transform', needs: ['each'], input: { expression: '$sum($)', data: '{{ $steps.each.output }}' } },
      ],
    },
    { items },
  );
  const run = await baton.waitFor(id);
  expect(run.status).toBe('succeeded');
  expect(step(run, 'each').output).toEqual(items.map((_, i) => i));
  expect(step(run, 'sum').output).toBe(66);
  const children = run.steps.filter((s) => s.key.startsWith('each['));
  expect(children.map((c) => c.key)).toEqual(items.map((_, i) => `each[${i}]`));
  // never more than 3 children running at once
  const spans = children.map((c) => [Date.parse(c.startedAt!), Date.parse(c.finishedAt!)] as const);
  for (const [start] of spans) expect(spans.filter(([s, f]) => s <= start && start < f).length).toBeLessThanOrEqual(3);
});

test('retries until the agent succeeds, counting every attempt', async () => {
  const id = await baton.submit({
    name: 'retry',
    steps: [{ id: 'flaky', agent: 'fail', input: { untilAttempt: 3, message: 'not yet' }, retry: { attempts: 4, backoff: { type: 'exponential', delayMs: 20 } } }],
  });
  const run = await baton.waitFor(id);
  expect(run.status).toBe('succeeded');
  expect(step(run, 'flaky').attempts).toBe(3);
});

test('exhausted retries fail the step and the run', async () => {
  const id = await baton.submit({
    name: 'exhausted',
    steps: [
      { id: 'broken', agent: 'fail', input: { message: 'always' }, retry: { attempts: 2, backoff: { type: 'fixed', delayMs: 10 } } },
      { id: 'after', agent: 'echo', needs: ['broken'] },
    ],
  });
  const run = await baton.waitFor(id);
  expect(run.status).toBe('failed');
  expect(step(run, 'broken')).toMatchObject({ status: 'failed', attempts: 2, error: { message: 'always' } });
  expect(step(run, 'after').status).toBe('skipped');
  expect(run.error).toMatchObject({ step: 'broken' });
});

test('onFailure: continue lets dependants run and branch on the status', async () => {
  const id = await baton.submit({
    name: 'continue',
    steps: [
      { id: 'optional', agent: 'fail', onFailure: 'continue', input: { message: 'optional failed' } },
      { id: 'after', agent: 'echo', needs: ['optional'], input: { was: '{{ $steps.optional.status }}', why: '{{ $steps.optional.error.message }}' } },
    ],
  });
  const run = await baton.waitFor(id);
  expect(run.status).toBe('succeeded');
  expect(step(run, 'after').output).toEqual({ was: 'failed', why: 'optional failed' });
});

test('a step past its timeout is aborted and fails as TIMEOUT', async () => {
  const id = await baton.submit({
    name: 'timeout',
    steps: [{ id: 'slow', agent: 'delay', timeoutMs: 150, input: { ms: 5000 } }],
  });
  const started = Date.now();
  const run = await baton.waitFor(id);
  expect(Date.now() - started).toBeLessThan(3000);
  expect(run.status).toBe('failed');
  expect(step(run, 'slow').error).toMatchObject({ code: 'TIMEOUT' });
});

test('cancelling a run aborts its running step and starts nothing new', async () => {
  const id = await baton.submit({
    name: 'cancel',
    steps: [
      { id: 'long', agent: 'delay', input: { ms: 10_000 } },
      { id: 'next', agent: 'echo', needs: ['long'] },
    ],
  });
  await baton.waitFor(id, { status: 'running' });
  const res = await baton.request('POST', `/v1/runs/${id}/cancel`);
  expect(res.status).toBe(202);
  const run = await baton.waitFor(id);
  expect(run.status).toBe('cancelled');
  expect(step(run, 'long').status).toBe('cancelled');
  expect(step(run, 'next').status).toBe('cancelled');
  await new Promise((r) => setTimeout(r, 300));
  expect((await baton.run(id)).status).toBe('cancelled');
});

test('idempotent submission: sequential and 8 concurrent duplicates make one run', async () => {
  const body = { workflow: { name: 'idem', steps: [{ id: 'a', agent: 'echo', input: { x: 1 } }] }, input: {} };
  const key = { 'Idempotency-Key': `k-${Date.now()}` };
  const first = await baton.request('POST', '/v1/runs', body, key);
  const again = await baton.request('POST', '/v1/runs', body, key);
  expect(first.status).toBe(202);
  expect([200, 202]).toContain(again.status);
  expect(again.body.id).toBe(first.body.id);
  expect((await baton.request('POST', '/v1/runs', { ...body, input: { other: true } }, key)).status).toBe(409);

  const concurrentKey = { 'Idempotency-Key': `c-${Date.now()}` };
  const answers = await Promise.all(Array.from({ length: 8 }, () => baton.request('POST', '/v1/runs', body, concurrentKey)));
  expect(new Set(answers.map((a) => a.body.id)).size).toBe(1);
  expect(answers.every((a) => a.status === 200 || a.status === 202)).toBe(true);
  const { count } = await baton.db.kysely.selectFrom('runs').select((eb) => eb.fn.countAll<number>().as('count')).where('workflow_name', '=', 'idem').executeTakeFirstOrThrow();
  expect(Number(count)).toBe(2);
});

test('a 50-wide fan-in completes with every step run exactly once', async () => {
  const wide = Array.from({ length: 50 }, (_, i) => ({ id: `w${i}`, agent: 'counter', needs: ['start'], input: { n: i } }));
  const id = await baton.submit({
    name: 'fan-in',
    steps: [
      { id: 'start', agent: 'counter', input: { n: -1 } },
      ...wide,
      { id: 'join', agent: 'counter', needs: wide.map((w) => w.id), input: { n: '{{ $sum($steps.*.output.n) }}' } },
    ],
  });
  const run = await baton.waitFor(id, { timeoutMs: 30_000 });
  expect(run.status).toBe('succeeded');
  expect(step(run, 'join').output).toEqual({ n: 1224 });
  const mine = [...executions].filter(([k]) => k.startsWith(`${id}|`));
  expect(mine).toHaveLength(52);
  expect(mine.every(([, n]) => n === 1)).toBe(true);
  expect(run.steps.every((s) => s.attempts === 1)).toBe(true);
});

test('large values are stored once and passed by reference, never through Redis, yet seen as values', async () => {
  const id = await baton.submit(
    {
      name: 'payload',
      steps: [
        { id: 'make', agent: 'transform', input: { expression: "$pad('', 2000000, 'x')" } },
        { id: 'pass', agent: 'echo', needs: ['make'], input: { blob: '{{ $steps.make.output }}', small: '{{ $input.small }}' } },
        { id: 'measure', agent: 'echo', needs: ['pass'], input: { n: '{{ $length($steps.pass.output.blob) }}', head: '{{ $substring($steps.make.output, 0, 3) }}' } },
        { id: 'from-input', agent: 'transform', input: { expression: '$length(text)', data: { text: '{{ $input.big }}' } } },
      ],
      output: '{{ { "n": $steps.measure.output.n, "same": $steps.pass.output.blob = $steps.make.output } }}',
    },
    { small: 's', big: 'y'.repeat(300_000) },
  );
  const run = await baton.waitFor(id);
  expect(run.status).toBe('succeeded');
  // expressions see the stored values, not their references
  expect(step(run, 'measure').output).toEqual({ n: 2_000_000, head: 'xxx' });
  expect(step(run, 'from-input').output).toBe(300_000);
  expect(run.output).toEqual({ n: 2_000_000, same: true });
  // clients see a value over the run's response budget as a link that serves it
  const link = step(run, 'make').output as { $ref: string };
  expect(link).toEqual({ $ref: expect.stringMatching(/^\/v1\/payloads\/[0-9a-f-]{36}$/) });
  const served = await baton.request('GET', link.$ref);
  expect(served.status).toBe(200);
  expect((served.body as string).length).toBe(2_000_000);
  // what the steps and their jobs received were references
  const rows = await baton.db.kysely.selectFrom('steps').select(['key', 'input']).where('run_id', '=', id).execute();
  for (const row of rows) expect(JSON.stringify(row.input).length).toBeLessThan(500);
  // the 2 MB value was stored once by its producer and once by the echo that returned it, never again
  const payloads = await baton.db.kysely.selectFrom('payloads').select(['bytes']).where('run_id', '=', id).execute();
  expect(payloads.filter((p) => p.bytes > 1_000_000)).toHaveLength(2);
});

test('retrying a failed run re-runs its failed and skipped steps, keeps the rest, and counts attempts on', async () => {
  const id = await baton.submit({
    name: 'retry-run',
    steps: [
      { id: 'ok', agent: 'echo', input: { v: 1 } },
      { id: 'flaky', agent: 'fail', needs: ['ok'], input: { untilAttempt: 2, message: 'first try fails' } },
      { id: 'after', agent: 'echo', needs: ['flaky'], input: { got: '{{ $steps.flaky.output }}' } },
    ],
  });
  const failed = await baton.waitFor(id);
  expect(failed.status).toBe('failed');
  expect(step(failed, 'after').status).toBe('skipped');
  const okFinished = step(failed, 'ok').finishedAt;
  expect((await baton.request('POST', `/v1/runs/${randomUUID()}/retry`)).status).toBe(404);
  const res = await baton.request('POST', `/v1/runs/${id}/retry`);
  expect(res.status).toBe(202);
  const run = await baton.waitFor(id, { status: 'succeeded' });
  expect(step(run, 'ok').finishedAt).toBe(okFinished);
  expect(step(run, 'flaky').attempts).toBe(2);
  expect(step(run, 'after').output).toEqual({ got: { untilAttempt: 2, message: 'first try fails' } });
  const again = await baton.request('POST', `/v1/runs/${id}/retry`);
  expect(again.status).toBe(409);
  expect(again.body.error.code).toBe('RUN_NOT_FAILED');
});

test('hand-offs: the step ends with the last agent of the chain, each hop its own entry', async () => {
  const id = await baton.submit({
    name: 'handoff',
    steps: [
      { id: 'route', agent: 'handoff', handoffs: ['transform'], input: { to: 'transform', input: { expression: 'a + b', data: { a: 2, b: 3 } }, reason: 'math' } },
      { id: 'after', agent: 'echo', needs: ['route'], input: { sum: '{{ $steps.route.output }}' } },
      { id: 'refused', agent: 'handoff', onFailure: 'continue', input: { to: 'echo', input: {} } },
    ],
  });
  const run = await baton.waitFor(id);
  expect(run.status).toBe('succeeded');
  expect(step(run, 'route')).toMatchObject({ status: 'succeeded', output: 5 });
  expect(step(run, 'route>handoff:1')).toMatchObject({ status: 'succeeded', agent: 'transform', output: 5 });
  expect(step(run, 'after').output).toEqual({ sum: 5 });
  // a hand-off to an agent the step does not list fails the step
  expect(step(run, 'refused')).toMatchObject({ status: 'failed', error: { code: 'HANDOFF' } });
});

test('context: writes are merged when a step succeeds; contextAccess limits reads and refuses other writes', async () => {
  const id = await baton.submit({
    name: 'context',
    steps: [
      { id: 'write', agent: 'remember', input: { customer: 'acme', tier: 'gold' } },
      { id: 'narrow', agent: 'remember', needs: ['write'], contextAccess: { read: ['tier'], write: ['note'] }, input: { note: 'seen' } },
      { id: 'read', agent: 'echo', needs: ['narrow'], input: { who: '{{ $context.customer }}', note: '{{ $context.note }}' } },
      { id: 'forbidden', agent: 'remember', needs: ['read'], onFailure: 'continue', contextAccess: { write: ['allowed'] }, input: { other: 1 } },
    ],
  });
  const run = await baton.waitFor(id);
  expect(run.status).toBe('succeeded');
  expect(step(run, 'write').output).toEqual({ saw: ['customer', 'tier'] });
  expect(step(run, 'narrow').output).toEqual({ saw: ['note', 'tier'] });
  expect(step(run, 'read').output).toEqual({ who: 'acme', note: 'seen' });
  expect(step(run, 'forbidden')).toMatchObject({ status: 'failed', error: { code: 'CONTEXT_ACCESS' } });
});

test('a workflow may be sent as YAML text', async () => {
  const yaml = [
    'name: from-yaml',
    'steps:',
    '  - id: greet',
    '    agent: echo',
    '    input: { text: "hi {{ $input.who }}" }',
  ].join('\n');
  const res = await baton.request('POST', '/v1/runs', { workflow: yaml, input: { who: 'yaml' } });
  expect(res.status).toBe(202);
  const run = await baton.waitFor(res.body.id);
  expect(run.output).toEqual({ greet: { text: 'hi yaml' } });
  const bad = await baton.request('POST', '/v1/workflows/validate', { workflow: 'name: [unclosed' });
  expect(bad.status).toBe(400);
  expect(bad.body.error.details[0].path).toBe('workflow');
});
