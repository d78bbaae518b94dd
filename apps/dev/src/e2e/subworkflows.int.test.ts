import { randomBytes } from 'node:crypto';
import { defineAgent } from '@baton/agents';
import { z } from 'zod';
import { BatonHarness, type RunView } from '../testing/baton-harness';

jest.setTimeout(60_000);

const ADMIN_KEY = randomBytes(24).toString('base64url');
const ADMIN = { 'X-API-Key': ADMIN_KEY };
const FINAL = new Set(['succeeded', 'failed', 'cancelled']);

// Fails the first call for each tag, then returns its input: a step retried with a NEW child succeeds.
const calls = new Map<string, number>();
const flakyOnce = defineAgent({
  name: 'flaky-once',
  description: 'Fails its first call per tag',
  input: z.object({ tag: z.string() }),
  run: async ({ tag }) => {
    const n = (calls.get(tag) ?? 0) + 1;
    calls.set(tag, n);
    if (n === 1) throw new Error(`first call for ${tag}`);
    return { tag, call: n };
  },
});

type Run = Omit<RunView, 'steps'> & { parentRunId?: string; parentStepKey?: string; template?: string; steps: Array<RunView['steps'][number] & { childRunId?: string }> };

describe('sub-workflows through HTTP', () => {
  let baton: BatonHarness;
  const call = (method: string, path: string, body?: unknown, headers: Record<string, string> = ADMIN) => baton.request(method, path, body, headers);
  const put = async (name: string, definition: Record<string, unknown>) => {
    const res = await call('PUT', `/v1/templates/${name}`, { name, ...definition });
    if (res.status >= 300) throw new Error(`PUT ${name} answered ${res.status}: ${JSON.stringify(res.body)}`);
  };
  const submit = async (workflow: unknown, input: unknown = {}) => {
    const res = await call('POST', '/v1/runs', { workflow, input });
    if (res.status !== 202) throw new Error(`submit answered ${res.status}: ${JSON.stringify(res.body)}`);
    return res.body.id as string;
  };
  const run = async (id: string): Promise<Run> => (await call('GET', `/v1/runs/${id}`)).body as Run;
  const until = async <T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = await probe();
      if (value !== undefined) return value;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  const finished = (id: string) => until(`run ${id} to finish`, async () => {
    const r = await run(id);
    return FINAL.has(r.status) ? r : undefined;
  });
  const links = (parentRunId: string) =>
    baton.db.kysely.selectFrom('run_links').innerJoin('runs', 'runs.id', 'run_links.child_run_id')
      .select(['child_run_id', 'parent_step_key', 'parent_attempt', 'depth', 'runs.status']).where('parent_run_id', '=', parentRunId).orderBy('parent_attempt').execute();

  beforeAll(async () => {
    baton = await BatonHarness.start({
      extraAgents: [flakyOnce],
      reconcileEveryMs: 200,
      env: { BATON_ADMIN_KEY: ADMIN_KEY, BATON_KEY_PEPPER: randomBytes(32).toString('base64url'), BATON_MAX_SUBWORKFLOW_DEPTH: '3' },
    });
    await put('greet', {
      input: { type: 'object', required: ['name'], properties: { name: { type: 'string' }, punctuation: { type: 'string', default: '!' } } },
      steps: [{ id: 'hello', agent: 'echo', input: { greeting: 'Hello {{ $input.name }}{{ $input.punctuation }}' } }],
      output: '{{ $steps.hello.output.greeting }}',
    });
    await put('boom', { steps: [{ id: 'explode', agent: 'fail', input: { message: 'kaput' } }] });
    await put('once', { steps: [{ id: 'try', agent: 'flaky-once', input: { tag: '{{ $input.tag }}' } }] });
    await put('slow-leaf', { steps: [{ id: 'nap', agent: 'delay', input: { ms: 30_000 } }] });
    await put('slow-mid', { steps: [{ id: 'inner', workflow: 'slow-leaf' }] });
    await put('leaf', { steps: [{ id: 'e', agent: 'echo', input: { at: 'leaf' } }] });
    await put('lvl3', { steps: [{ id: 's', workflow: 'leaf' }] });
    await put('lvl2', { steps: [{ id: 's', workflow: 'lvl3' }] });
    await put('lvl1', { steps: [{ id: 's', workflow: 'lvl2' }] });
    await put('uses-delay', { steps: [{ id: 'd', agent: 'delay', input: { ms: 1 } }] });
    await put('wraps-delay', { steps: [{ id: 'w', workflow: 'uses-delay' }] });
  });
  afterAll(() => baton.close());

  test('the step\'s output is the child run\'s output; both runs show the link', async () => {
    const id = await submit({
      name: 'parent',
      steps: [
        { id: 'sub', workflow: 'greet', input: { name: '{{ $input.who }}' } },
        { id: 'after', agent: 'echo', needs: ['sub'], input: { got: '{{ $steps.sub.output }}' } },
      ],
    }, { who: 'Ada' });
    const parent = await finished(id);
    expect(parent.status).toBe('succeeded');
    expect(parent.output).toEqual({ after: { got: 'Hello Ada!' } });
    const sub = parent.steps.find((s) => s.key === 'sub')!;
    expect(sub).toMatchObject({ status: 'succeeded', output: 'Hello Ada!', attempts: 1, childRunId: expect.any(String) });
    expect(sub.agent).toBeUndefined();
    const child = await run(sub.childRunId!);
    expect(child).toMatchObject({ status: 'succeeded', template: 'greet', parentRunId: id, parentStepKey: 'sub', input: { name: 'Ada', punctuation: '!' }, output: 'Hello Ada!' });
    expect(parent.parentRunId).toBeUndefined();
  });

  test('an input that does not match the template\'s schema fails the step, naming the schema problem; no child starts', async () => {
    const id = await submit({ name: 'bad-input', steps: [{ id: 'sub', workflow: 'greet', input: { nombre: 'Ada' } }] });
    const parent = await finished(id);
    expect(parent.status).toBe('failed');
    const sub = parent.steps.find((s) => s.key === 'sub')!;
    expect(sub.error?.code).toBe('INVALID_INPUT');
    expect(sub.error?.message).toMatch(/^step sub: the input does not match the input schema of template greet: .*name/);
    expect(await links(id)).toEqual([]);
  });

  test('a failed child fails the step with the child\'s error summarised', async () => {
    const id = await submit({ name: 'parent-of-boom', steps: [{ id: 'sub', workflow: 'boom' }] });
    const parent = await finished(id);
    expect(parent.status).toBe('failed');
    const sub = parent.steps.find((s) => s.key === 'sub')!;
    expect(sub.error?.code).toBe('SUBWORKFLOW_FAILED');
    expect(sub.error?.message).toContain(`its sub-workflow run ${sub.childRunId} failed at step explode`);
    expect(sub.error?.message).toContain('kaput');
    expect((await run(sub.childRunId!)).status).toBe('failed');
  });

  test('a retried step starts a new child for each attempt', async () => {
    const id = await submit({
      name: 'retrying',
      steps: [{ id: 'sub', workflow: 'once', input: { tag: 'retry-test' }, retry: { attempts: 2, backoff: { type: 'fixed', delayMs: 50 } } }],
    });
    const parent = await finished(id);
    expect(parent.status).toBe('succeeded');
    const sub = parent.steps.find((s) => s.key === 'sub')!;
    expect(sub).toMatchObject({ attempts: 2, output: { try: { tag: 'retry-test', call: 2 } } });
    const children = await links(id);
    expect(children.map((c) => [c.parent_attempt, c.status, c.depth])).toEqual([[1, 'failed', 1], [2, 'succeeded', 1]]);
    expect(children[0]!.child_run_id).not.toBe(children[1]!.child_run_id);
    expect(sub.childRunId).toBe(children[1]!.child_run_id);
  });

  test('cancelling the parent cancels its child and the child\'s child', async () => {
    const id = await submit({ name: 'cancel-me', steps: [{ id: 'outer', workflow: 'slow-mid' }] });
    const [mid] = await until('the middle run', async () => ((await links(id)).length ? links(id) : undefined));
    const [leaf] = await until('the leaf run', async () => {
      const below = await links(mid!.child_run_id);
      return below.length && below[0]!.status === 'running' ? below : undefined;
    });
    expect(leaf!.depth).toBe(2);
    expect((await call('POST', `/v1/runs/${id}/cancel`)).status).toBe(202);
    expect((await finished(id)).status).toBe('cancelled');
    expect((await finished(mid!.child_run_id)).status).toBe('cancelled');
    const cancelledLeaf = await finished(leaf!.child_run_id);
    expect(cancelledLeaf.status).toBe('cancelled');
    expect(cancelledLeaf.steps[0]!.status).toBe('cancelled');
  });

  test('a sub-workflow step past its timeoutMs fails with TIMEOUT and cancels its child', async () => {
    const id = await submit({ name: 'too-slow', steps: [{ id: 'sub', workflow: 'slow-leaf', timeoutMs: 300 }] });
    const parent = await finished(id);
    expect(parent.status).toBe('failed');
    expect(parent.steps[0]!.error?.code).toBe('TIMEOUT');
    const [child] = await links(id);
    expect((await finished(child!.child_run_id)).status).toBe('cancelled');
  });

  test('depth is bounded by BATON_MAX_SUBWORKFLOW_DEPTH: within it runs, one level more fails the step that would start it', async () => {
    const within = await finished(await submit({ name: 'three-deep', steps: [{ id: 'top', workflow: 'lvl2' }] }));
    expect(within.status).toBe('succeeded');
    expect(within.output).toEqual({ top: { s: { s: { e: { at: 'leaf' } } } } });

    const id = await submit({ name: 'four-deep', steps: [{ id: 'top', workflow: 'lvl1' }] });
    const parent = await finished(id);
    expect(parent.status).toBe('failed');
    // lvl1 (depth 1) → lvl2 (2) → lvl3 (3), whose step would start leaf at depth 4
    const [l1] = await links(id);
    const [l2] = await links(l1!.child_run_id);
    const [l3] = await links(l2!.child_run_id);
    expect(l3!.depth).toBe(3);
    expect(await links(l3!.child_run_id)).toEqual([]);
    const deepest = await finished(l3!.child_run_id);
    expect(deepest.steps[0]!.error).toEqual({
      code: 'LIMIT_EXCEEDED',
      message: 'step s: sub-workflow leaf would run 4 levels deep, more than BATON_MAX_SUBWORKFLOW_DEPTH=3',
    });
    expect(parent.steps[0]!.error?.code).toBe('SUBWORKFLOW_FAILED');
    expect(parent.steps[0]!.error?.message).toContain('BATON_MAX_SUBWORKFLOW_DEPTH=3');
  });

  test('a template that includes itself, directly or through another, is refused at PUT', async () => {
    const direct = await call('PUT', '/v1/templates/selfish', { name: 'selfish', steps: [{ id: 'again', workflow: 'selfish' }] });
    expect(direct.status).toBe(400);
    expect(direct.body.error.details).toEqual([{ path: 'steps[0].workflow', message: 'template selfish would include itself: selfish → selfish' }]);

    await put('ping', { steps: [{ id: 'a', agent: 'echo' }] });
    await put('pong', { steps: [{ id: 'p', workflow: 'ping' }] });
    const through = await call('PUT', '/v1/templates/ping', { name: 'ping', steps: [{ id: 'x', agent: 'echo' }, { id: 'loop', workflow: 'pong' }] });
    expect(through.status).toBe(400);
    expect(through.body.error.details).toEqual([{ path: 'steps[1].workflow', message: 'template ping would include itself: ping → pong → ping' }]);
    expect((await call('GET', '/v1/templates/ping')).body.version).toBe(1);
  });

  test('a workflow: step naming a template the tenant does not have is a 400 with its path, at PUT and at submission', async () => {
    const atPut = await call('PUT', '/v1/templates/dangling', { name: 'dangling', steps: [{ id: 'a', agent: 'echo' }, { id: 'b', workflow: 'nowhere' }] });
    expect(atPut.status).toBe(400);
    expect(atPut.body.error.details).toEqual([{ path: 'steps[1].workflow', message: 'unknown template \'nowhere\'' }]);

    const atSubmit = await call('POST', '/v1/runs', { workflow: { name: 'typo', steps: [{ id: 'a', workflow: 'gret' }, { id: 'b', workflow: 'greet', version: 9 }] } });
    expect(atSubmit.status).toBe(400);
    expect(atSubmit.body.error).toMatchObject({ code: 'VALIDATION_FAILED' });
    expect(atSubmit.body.error.details).toEqual([
      { path: 'workflow.steps[0].workflow', message: 'unknown template \'gret\'' },
      { path: 'workflow.steps[1].workflow', message: 'template \'greet\' has no version 9' },
    ]);
  });

  test('the caller\'s agent allow-list covers agents used only inside sub-workflows, recursively: 403 naming them', async () => {
    const created = await call('POST', '/v1/api-keys', { name: 'echo only', role: 'submitter', agents: ['echo'] });
    expect(created.status).toBe(201);
    const asEchoOnly = { 'X-API-Key': created.body.key as string };
    const inline = await call('POST', '/v1/runs', { workflow: { name: 'sneaky', steps: [{ id: 'a', agent: 'echo' }, { id: 's', workflow: 'uses-delay' }] } }, asEchoOnly);
    expect(inline.status).toBe(403);
    expect(inline.body.error.code).toBe('FORBIDDEN');
    expect(inline.body.error.details).toEqual([{ path: 'agents', message: 'delay is outside the caller\'s agent allow-list' }]);

    const nested = await call('POST', '/v1/runs', { workflow: { name: 'sneakier', steps: [{ id: 's', workflow: 'wraps-delay' }] } }, asEchoOnly);
    expect(nested.status).toBe(403);
    expect(JSON.stringify(nested.body.error)).toContain('delay');

    const template = await call('POST', '/v1/runs', { template: 'wraps-delay' }, asEchoOnly);
    expect(template.status).toBe(403);
    expect(JSON.stringify(template.body.error)).toContain('delay');

    // Within the list it runs, and the child keeps the submitter's list.
    const allowed = await call('POST', '/v1/runs', { workflow: { name: 'fine', steps: [{ id: 's', workflow: 'leaf' }] } }, asEchoOnly);
    expect(allowed.status).toBe(202);
    expect((await finished(allowed.body.id)).status).toBe('succeeded');
  });
});
