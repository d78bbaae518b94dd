import { defineAgent } from '@baton/agents';
import { z } from 'zod';
import { BatonHarness } from '../testing/baton-harness';

jest.setTimeout(60_000);

// The order in which the worker started `mark` jobs, across runs.
const started: string[] = [];
const mark = defineAgent({
  name: 'mark',
  description: 'Records that it started, then holds its step for ms milliseconds',
  input: z.object({ label: z.string(), ms: z.number() }),
  run: async ({ label, ms }) => {
    started.push(label);
    await new Promise((r) => setTimeout(r, ms));
    return { label };
  },
});

let baton: BatonHarness;
beforeAll(async () => {
  // One job of an agent at a time: a saturated worker, so the queue's order shows.
  baton = await BatonHarness.start({ workers: 1, extraAgents: [mark], env: { WORKER_CONCURRENCY: '1' } });
});
afterAll(() => baton.close());

const stepOf = (run: { steps: Array<{ key: string }> }, key: string) => run.steps.find((s) => s.key === key) as unknown as Record<string, unknown> & { attemptLog: Array<Record<string, unknown>> };

test('$steps references are checked at submission: a typo, a step that is not a need, a hyphenated id and a bad priority are 400s with their paths', async () => {
  const res = await baton.request('POST', '/v1/runs', {
    workflow: {
      name: 'bad-references',
      steps: [
        { id: 'classify', agent: 'echo' },
        { id: 'queue-low', agent: 'echo' },
        { id: 'reply', agent: 'echo', needs: ['classify'], priority: 0, input: { text: '{{ $steps.clasify.output }}', low: '{{ $steps.`queue-low`.status }}' } },
        { id: 'report', agent: 'echo', needs: ['queue-low'], input: { status: '{{ $steps.queue-low.status }}' } },
      ],
      output: '{{ $steps.nope.output }}',
    },
  });
  expect(res.status).toBe(400);
  expect(res.body.error.code).toBe('VALIDATION_FAILED');
  expect(res.body.error.details).toEqual(
    expect.arrayContaining([
      { path: 'workflow.steps[2].priority', message: 'number must be greater than or equal to 1' },
      { path: 'workflow.steps[2].input.text', message: "$steps.clasify: no step has the id 'clasify'" },
      { path: 'workflow.steps[2].input.low', message: expect.stringContaining("step 'queue-low' is not among the steps 'reply' needs") },
      { path: 'workflow.steps[3].input.status', message: "$steps.queue-low is read as a subtraction: write a step id with '-' in backquotes, $steps.`queue-low`" },
      { path: 'workflow.output', message: "$steps.nope: no step has the id 'nope'" },
    ]),
  );
  expect(res.body.error.details).toHaveLength(5);
  expect((await baton.request('GET', '/v1/runs')).body.items).toEqual([]);
});

test('an expression with no value fails its step naming the field; a default makes it optional', async () => {
  const id = await baton.submit(
    {
      name: 'no-value',
      steps: [
        { id: 'optional', agent: 'echo', input: { cc: '{{ $input.cc ?? null }}', to: '{{ $input.to }}' } },
        { id: 'required', agent: 'echo', input: { to: '{{ $input.to }}', cc: '{{ $input.cc }}' } },
      ],
    },
    { to: 'ada@example.com' },
  );
  const run = await baton.waitFor(id);
  expect(run.status).toBe('failed');
  expect(stepOf(run, 'optional')).toMatchObject({ status: 'succeeded', output: { cc: null, to: 'ada@example.com' } });
  expect(stepOf(run, 'required')).toMatchObject({
    status: 'failed',
    attempts: 0,
    error: { code: 'EXPRESSION', message: 'step required: steps[1].input.cc: {{ $input.cc }} gave no value; if it may be missing, give a default: {{ $input.cc ?? null }}' },
  });
});

test('a retried run gives its failed steps a fresh budget of attempts, numbered on; every attempt and its error stay in attemptLog; the error lists every failed step', async () => {
  const id = await baton.submit({
    name: 'rerun',
    steps: [
      // Fails attempts 1 to 3: its two tries, then the first of the re-run's two; the 4th succeeds.
      { id: 'flaky', agent: 'fail', input: { untilAttempt: 4, message: 'not yet' }, retry: { attempts: 2, backoff: { type: 'fixed', delayMs: 10 } } },
      { id: 'broken', agent: 'fail', input: { untilAttempt: 2, message: 'broken once' } },
    ],
  });
  const failed = await baton.waitFor(id);
  expect(failed.status).toBe('failed');
  expect(failed.error).toMatchObject({ code: 'AGENT_ERROR' });
  const listed = (failed.error as { steps?: Array<{ step: string }> }).steps;
  expect(listed?.map((s) => s.step).sort()).toEqual(['broken', 'flaky']);
  expect(stepOf(failed, 'flaky').attemptLog).toHaveLength(2);

  expect((await baton.request('POST', `/v1/runs/${id}/retry`)).status).toBe(202);
  const run = await baton.waitFor(id, { status: 'succeeded' });
  expect(run.error).toBeUndefined();
  const flaky = stepOf(run, 'flaky');
  expect(flaky).toMatchObject({ status: 'succeeded', attempts: 4 });
  expect(flaky.attemptLog.map((a) => [a.attempt, (a.error as { message?: string } | undefined)?.message])).toEqual([
    [1, 'not yet'],
    [2, 'not yet'],
    [3, 'not yet'],
    [4, undefined],
  ]);
  for (const a of flaky.attemptLog) {
    expect(Date.parse(a.startedAt as string)).toBeLessThanOrEqual(Date.parse(a.finishedAt as string));
    expect(a.worker).toMatch(/^worker-[0-9a-f]{8}$/);
  }
  expect(stepOf(run, 'broken')).toMatchObject({ status: 'succeeded', attempts: 2 });
  expect(stepOf(run, 'broken').attemptLog.map((a) => a.attempt)).toEqual([1, 2]);
});

test("a saturated worker takes the higher-priority step first: a step's priority, then the run's", async () => {
  const one = (label: string, extra: Record<string, unknown> = {}) => ({ name: `p-${label}`, steps: [{ id: 'm', agent: 'mark', input: { label, ms: 30 }, ...extra }] });
  const blocker = await baton.submit({ name: 'blocker', steps: [{ id: 'm', agent: 'mark', input: { label: 'blocker', ms: 1500 } }] });
  while (!started.includes('blocker')) await new Promise((r) => setTimeout(r, 20));
  const ids = [
    await baton.submit(one('low-1'), {}, { priority: 2 }),
    await baton.submit(one('low-2'), {}, { priority: 2 }),
    await baton.submit(one('mid'), {}, { priority: 6 }),
    await baton.submit(one('high-1', { priority: 9 }), {}),
    await baton.submit(one('high-2', { priority: 9 }), {}, { priority: 1 }),
  ];
  for (const id of [blocker, ...ids]) expect((await baton.waitFor(id)).status).toBe('succeeded');
  expect(started.slice(started.indexOf('blocker'))).toEqual(['blocker', 'high-1', 'high-2', 'mid', 'low-1', 'low-2']);
});
