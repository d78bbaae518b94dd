// Operating runs through HTTP: pause and resume a run, a template and an agent (each with a step in
// flight), the auto-pause tripping on a failing agent and being resumed, re-run from a middle step
// with an edited input, a fork and its link, cancel while paused, who may do it.
import { BatonHarness, type RunView } from '../testing/baton-harness';
import { waitFor } from '../testing/ephemeral-services';

jest.setTimeout(120_000);

const ADMIN = 'admin-key-for-the-operate-runs-test';

type Answer = { status: number; body: any }; // eslint-disable-line @typescript-eslint/no-explicit-any -- tests read answers freely

describe('operating runs', () => {
  let baton: BatonHarness;
  const call = (method: string, path: string, body?: unknown, key = ADMIN): Promise<Answer> => baton.request(method, path, body, { 'X-API-Key': key });
  const run = async (id: string): Promise<RunView & Record<string, any>> => (await call('GET', `/v1/runs/${id}`)).body; // eslint-disable-line @typescript-eslint/no-explicit-any -- as above
  const step = (view: RunView, key: string) => view.steps.find((s) => s.key === key)!;
  const until = async (id: string, check: (view: RunView) => boolean, what: string) => {
    let view: RunView | undefined;
    await waitFor(async () => check((view = await run(id))), 20_000, `run ${id}: ${what}; it is ${JSON.stringify(view && { status: view.status, steps: view.steps.map((s) => `${s.key}:${s.status}`) })}`);
    return view!;
  };
  const history = async (id: string) => (await call('GET', `/v1/runs/${id}/history?limit=1000`)).body.items as Array<{ type: string; key?: string; data?: Record<string, unknown> }>;
  const submit = async (workflow: unknown, extra: Record<string, unknown> = {}) => {
    const res = await call('POST', '/v1/runs', { workflow, ...extra });
    expect(res.status).toBe(202);
    return res.body.id as string;
  };
  const FINAL = new Set(['succeeded', 'failed', 'cancelled']);
  const finished = (id: string) => until(id, (v) => FINAL.has(v.status), 'not finished');
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

  beforeAll(async () => {
    baton = await BatonHarness.start({
      reconcileEveryMs: 300,
      env: { BATON_ADMIN_KEY: ADMIN, BATON_KEY_PEPPER: 'a-pepper-for-the-operate-runs-test-32+', BATON_AUTO_PAUSE: 'failureRate=0.5,window=60s,minSteps=3' },
    });
  });
  afterAll(async () => {
    await baton?.close();
  });

  const twoSteps = {
    name: 'two-steps',
    steps: [
      { id: 'slow', agent: 'delay', input: { ms: 2500, value: 'slow-done' } },
      { id: 'after', agent: 'echo', needs: ['slow'], input: { got: '{{ $steps.slow.output }}' } },
    ],
  };

  test('a paused run lets its running step finish, starts nothing new, and resumes where it stopped; history says who and when', async () => {
    const id = await submit(twoSteps);
    await until(id, (v) => step(v, 'slow').status === 'running', 'slow running');
    expect(await call('POST', `/v1/runs/${id}/pause`)).toEqual({ status: 202, body: { id, status: 'paused' } });
    // Twice is the same answer, and changes nothing.
    expect(await call('POST', `/v1/runs/${id}/pause`)).toEqual({ status: 202, body: { id, status: 'paused' } });
    const paused = await until(id, (v) => step(v, 'slow').status === 'succeeded', 'slow finished while paused');
    expect(paused).toMatchObject({ status: 'paused', pausedBy: 'admin-key' });
    await sleep(600);
    const still = await run(id);
    expect(still.status).toBe('paused');
    expect(step(still, 'after')).toMatchObject({ status: 'queued', attempts: 1 });
    expect(step(still, 'after').startedAt).toBeUndefined();

    expect(await call('POST', `/v1/runs/${id}/resume`)).toMatchObject({ status: 202, body: { id, status: 'running' } });
    const done = await finished(id);
    expect(done).toMatchObject({ status: 'succeeded', output: { after: { got: 'slow-done' } } });
    expect(step(done, 'after').attempts).toBe(1);
    const events = await history(id);
    expect(events.filter((e) => e.type === 'run.paused')).toEqual([expect.objectContaining({ data: { by: 'admin-key' } })]);
    expect(events.find((e) => e.type === 'run.resumed')).toMatchObject({ data: { by: 'admin-key' } });
    const types = events.map((e) => e.type);
    expect(types.indexOf('run.paused')).toBeLessThan(types.lastIndexOf('step.succeeded'));
    // A finished run cannot be paused or resumed.
    expect((await call('POST', `/v1/runs/${id}/pause`)).body.error).toMatchObject({ code: 'RUN_FINISHED' });
    expect((await call('POST', `/v1/runs/${id}/resume`)).status).toBe(409);
  });

  test('a paused run can be cancelled; it lists by its status', async () => {
    const id = await submit(twoSteps);
    await until(id, (v) => step(v, 'slow').status === 'running', 'slow running');
    await call('POST', `/v1/runs/${id}/pause`);
    expect((await call('GET', '/v1/runs?status=paused')).body.items.map((r: { id: string }) => r.id)).toContain(id);
    expect((await call('POST', `/v1/runs/${id}/cancel`)).status).toBe(202);
    const done = await finished(id);
    expect(done.status).toBe('cancelled');
    expect(step(done, 'after').status).toBe('cancelled');
  });

  test('a paused template admits its new runs paused, lets its running ones go on, and resumes them with it', async () => {
    expect((await call('PUT', '/v1/templates/two-steps', twoSteps)).status).toBe(201);
    const first = (await call('POST', '/v1/runs', { template: 'two-steps' })).body.id as string;
    await until(first, (v) => step(v, 'slow').status === 'running', 'first run in flight');
    expect((await call('GET', '/v1/templates/two-steps')).body.paused).toBeUndefined();
    expect(await call('POST', '/v1/templates/two-steps/pause')).toEqual({ status: 202, body: { name: 'two-steps', paused: true } });
    // Every version's answer says so: the pause is the template's, not a version's.
    for (const path of ['/v1/templates/two-steps', '/v1/templates/two-steps/versions/1']) {
      const { paused } = (await call('GET', path)).body;
      expect(paused).toEqual({ by: 'admin-key', at: expect.any(String) });
      expect(Date.now() - Date.parse(paused.at)).toBeLessThan(60_000);
    }
    const queued = await call('POST', '/v1/runs', { template: 'two-steps' });
    expect(queued.status).toBe(202);
    const second = queued.body.id as string;
    expect((await finished(first)).status).toBe('succeeded');
    const held = await run(second);
    expect(held).toMatchObject({ status: 'paused', pausedBy: 'template:two-steps' });
    expect(step(held, 'slow').status).toBe('queued');
    expect((await call('POST', '/v1/templates/two-steps/resume')).body).toEqual({ name: 'two-steps', paused: false, resumedRuns: 1 });
    expect((await call('GET', '/v1/templates/two-steps')).body.paused).toBeUndefined();
    expect((await finished(second)).status).toBe('succeeded');
    expect((await call('POST', '/v1/templates/nope/pause')).body.error.code).toBe('TEMPLATE_NOT_FOUND');
  });

  test('a paused agent takes no new job fleet-wide while its running one finishes, until it is resumed', async () => {
    const slow = await submit({ name: 'one-slow', steps: [{ id: 'slow', agent: 'delay', input: { ms: 2500 } }] });
    await until(slow, (v) => step(v, 'slow').status === 'running', 'slow running');
    expect(await call('POST', '/v1/agents/delay/pause')).toEqual({ status: 202, body: { name: 'delay', paused: true } });
    const waiting = await submit({ name: 'one-more', steps: [{ id: 'next', agent: 'delay', input: { ms: 10 } }] });
    expect((await finished(slow)).status).toBe('succeeded');
    await sleep(600);
    expect(step(await run(waiting), 'next').status).toBe('queued');
    const agents = (await call('GET', '/v1/agents')).body.items as Array<{ name: string; paused?: { by: string } }>;
    expect(agents.find((a) => a.name === 'delay')?.paused).toMatchObject({ by: 'admin-key' });
    expect(await call('POST', '/v1/agents/delay/resume')).toEqual({ status: 202, body: { name: 'delay', paused: false } });
    expect((await finished(waiting)).status).toBe('succeeded');
    expect((await call('GET', '/v1/agents')).body.items.find((a: { name: string }) => a.name === 'delay').paused).toBeUndefined();
    expect((await call('POST', '/v1/agents/no-such-agent/pause')).body.error.code).toBe('AGENT_NOT_FOUND');
  });

  test('an agent failing past BATON_AUTO_PAUSE is paused, so its retries wait, and the resume route lets them go on', async () => {
    const id = await submit({
      name: 'broken-downstream',
      steps: [{ id: 'call', agent: 'fail', input: { untilAttempt: 4 }, retry: { attempts: 6 } }],
    });
    await waitFor(async () => ((await call('GET', '/v1/agents')).body.items.find((a: { name: string }) => a.name === 'fail')?.paused?.by === 'auto'), 20_000, 'fail was not auto-paused');
    await sleep(500);
    const held = await run(id);
    expect(held.status).toBe('running');
    expect(step(held, 'call')).toMatchObject({ status: 'queued', attempts: 4 });
    // The fleet's counts reach the api's /metrics within a flush (1 s) and its cache (1 s).
    const metrics = async () => (await fetch(`${baton.url}/metrics`, { headers: { 'X-API-Key': ADMIN } })).text();
    await waitFor(async () => /baton_agent_auto_pauses_total\{agent="fail"\} 1\b/.test(await metrics()), 10_000, 'no baton_agent_auto_pauses_total for fail');
    expect((await call('POST', '/v1/agents/fail/resume')).status).toBe(202);
    const done = await finished(id);
    expect(done.status).toBe('succeeded');
    expect(step(done, 'call').attempts).toBe(4);
  });

  const pipeline = {
    name: 'pipeline',
    steps: [
      { id: 'fetch', agent: 'echo', input: { v: '{{ $input.v }}' } },
      { id: 'shape', agent: 'echo', needs: ['fetch'], input: { shaped: '{{ $steps.fetch.output.v }}' } },
      { id: 'store', agent: 'echo', needs: ['shape'], input: { stored: '{{ $steps.shape.output.shaped }}' } },
    ],
  };

  test('a re-run from a middle step with an edited input runs it and what follows again, keeps the rest, and records who', async () => {
    const id = await submit(pipeline, { input: { v: 'original' } });
    expect((await finished(id)).output).toEqual({ store: { stored: 'original' } });
    const answer = await call('POST', `/v1/runs/${id}/rerun`, { fromStep: 'shape', input: { shaped: 'edited' } });
    expect(answer).toMatchObject({ status: 202, body: { id } });
    const done = await finished(id);
    expect(done).toMatchObject({ status: 'succeeded', output: { store: { stored: 'edited' } } });
    expect(step(done, 'fetch').attempts).toBe(1);
    expect(step(done, 'shape')).toMatchObject({ attempts: 2, output: { shaped: 'edited' } });
    expect((step(done, 'shape') as unknown as { attemptLog: unknown[] }).attemptLog).toHaveLength(2);
    expect(step(done, 'store').attempts).toBe(2);
    const rerun = (await history(id)).find((e) => e.type === 'run.rerun');
    expect(rerun?.data).toEqual({ fromStep: 'shape', by: 'admin-key', input: { shaped: 'edited' } });

    expect((await call('POST', `/v1/runs/${id}/rerun`, { fromStep: 'nope' })).body.error).toMatchObject({ code: 'VALIDATION_FAILED', details: [{ path: 'fromStep' }] });
    expect((await call('POST', `/v1/runs/${id}/rerun`, {})).status).toBe(400);
    const busy = await submit(twoSteps);
    expect((await call('POST', `/v1/runs/${busy}/rerun`, { fromStep: 'after' })).body.error.code).toBe('RUN_NOT_FINISHED');
    await finished(busy);
  });

  test('a fork copies the upstream outputs into a new run linked to its origin, and leaves the origin alone', async () => {
    const origin = await submit(pipeline, { input: { v: 'first' } });
    await finished(origin);
    const before = await run(origin);
    const forked = await call('POST', `/v1/runs/${origin}/fork`, { fromStep: 'shape', input: { shaped: 'what-if' } });
    expect(forked.status).toBe(202);
    const id = forked.body.id as string;
    expect(forked.body.links).toEqual({ self: `/v1/runs/${id}`, events: `/v1/runs/${id}/events` });
    const fork = await finished(id);
    expect(fork).toMatchObject({ status: 'succeeded', input: { v: 'first' }, output: { store: { stored: 'what-if' } }, forkedFrom: { id: origin, step: 'shape' } });
    expect(step(fork, 'fetch')).toMatchObject({ status: 'succeeded', output: { v: 'first' }, attempts: 1 });
    expect(step(fork, 'shape').attempts).toBe(1);
    expect((await history(id)).find((e) => e.type === 'run.forked')?.data).toMatchObject({ from: origin, step: 'shape', by: 'admin-key' });
    expect(await run(origin)).toEqual(before);
  });

  test('a viewer may not pause, resume, re-run or fork; another tenant\'s run is not found', async () => {
    const id = await submit(twoSteps);
    const viewer = (await call('POST', '/v1/api-keys', { name: 'watcher', role: 'viewer' })).body.key as string;
    const stranger = (await call('POST', '/v1/api-keys', { name: 'stranger', role: 'operator', tenant: 'other' })).body.key as string;
    for (const [path, body] of [['pause', undefined], ['resume', undefined], ['rerun', { fromStep: 'slow' }], ['fork', { fromStep: 'slow' }]] as const) {
      expect((await call('POST', `/v1/runs/${id}/${path}`, body, viewer)).status).toBe(403);
      expect((await call('POST', `/v1/runs/${id}/${path}`, body, stranger)).body.error.code).toBe('RUN_NOT_FOUND');
    }
    expect((await call('POST', '/v1/agents/delay/pause', undefined, stranger)).status).toBe(403);
    expect((await call('POST', '/v1/templates/two-steps/pause', undefined, stranger)).body.error.code).toBe('TEMPLATE_NOT_FOUND');
    await finished(id);
  });
});
