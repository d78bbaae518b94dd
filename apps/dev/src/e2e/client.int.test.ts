// @baton/client against a live Baton (api, worker, Redis, Postgres): every method, its typed
// errors, and the events iterator, resumed after an abort and reconnecting a broken stream.
import { BatonApiError, BatonClient, type RunEvent } from '@baton/client';
import { BatonHarness } from '../testing/baton-harness';

const ADMIN = 'admin-key-for-the-client-test';

jest.setTimeout(60_000);

describe('@baton/client', () => {
  let baton: BatonHarness;
  let client: BatonClient;

  beforeAll(async () => {
    baton = await BatonHarness.start({ env: { BATON_ADMIN_KEY: ADMIN, BATON_KEY_PEPPER: 'pepper-for-the-client-test-0123456789abcdef', BATON_SSE_HEARTBEAT_MS: '200' } });
    client = new BatonClient({ baseUrl: baton.url, apiKey: ADMIN });
  });
  afterAll(async () => {
    await baton?.close();
  });

  const echo = (name: string) => ({ name, steps: [{ id: 'a', agent: 'echo', input: { text: '{{ $input.text }}' } }] });
  const waiting = { name: 'waits', steps: [{ id: 'approve', agent: 'wait', input: { signal: 'approve' } }] };
  const caught = async (promise: Promise<unknown>): Promise<BatonApiError> => {
    const error = await promise.then(() => undefined, (e: unknown) => e);
    if (!(error instanceof BatonApiError)) throw new Error(`expected a BatonApiError, got ${String(error)}`);
    return error;
  };

  it('submits, gets and waits for a run; the same idempotency key and body is the same run', async () => {
    const submitted = await client.submit({ workflow: echo('hello'), input: { text: 'hi' }, priority: 3, idempotencyKey: 'client-once' });
    expect(submitted).toEqual({ id: expect.any(String), status: 'queued', links: { self: `/v1/runs/${submitted.id}`, events: `/v1/runs/${submitted.id}/events` } });
    const again = await client.submit({ workflow: echo('hello'), input: { text: 'hi' }, priority: 3, idempotencyKey: 'client-once' });
    expect(again.id).toBe(submitted.id);
    const run = await client.waitFor(submitted.id);
    expect(run).toMatchObject({ id: submitted.id, status: 'succeeded', workflow: 'hello', input: { text: 'hi' } });
    expect(run.steps).toEqual([expect.objectContaining({ id: 'a', key: 'a', status: 'succeeded', attempts: 1 })]);
    expect((await client.get(submitted.id)).status).toBe('succeeded');
  });

  it('lists runs a page at a time, and all of them with listAll', async () => {
    await client.templates.put('paged', echo('paged'));
    const ids = new Set<string>();
    for (let i = 0; i < 5; i++) ids.add((await client.submit({ template: 'paged', input: { text: String(i) } })).id);
    const first = await client.list({ template: 'paged', limit: 2 });
    expect(first.items).toHaveLength(2);
    expect(first.nextCursor).toEqual(expect.any(String));
    const second = await client.list({ template: 'paged', limit: 2, cursor: first.nextCursor });
    expect(second.items.map((r) => r.id)).not.toContain(first.items[0]!.id);
    const all: string[] = [];
    for await (const run of client.listAll({ template: 'paged', limit: 2 })) all.push(run.id);
    expect(new Set(all)).toEqual(ids);
    expect(all).toHaveLength(5);
  });

  it('signals a waiting step, and cancels a run (a second cancel is RUN_FINISHED)', async () => {
    const signalled = await client.submit({ workflow: waiting });
    await waitForStatus(signalled.id, (run) => run.steps.some((s) => s.status === 'waiting'));
    expect(await client.signal(signalled.id, 'approve', { ok: true })).toEqual({ id: signalled.id, signal: 'approve' });
    const done = await client.waitFor(signalled.id);
    expect(done.steps[0]).toMatchObject({ status: 'succeeded', output: { ok: true } });

    const cancelled = await client.submit({ workflow: waiting });
    expect(await client.cancel(cancelled.id)).toEqual({ id: cancelled.id, status: 'cancelled' });
    expect((await client.waitFor(cancelled.id)).status).toBe('cancelled');
    const error = await caught(client.cancel(cancelled.id));
    expect(error).toMatchObject({ status: 409, code: 'RUN_FINISHED' });
  });

  it('retries a failed run', async () => {
    const { id } = await client.submit({ workflow: { name: 'flaky', steps: [{ id: 'f', agent: 'fail', input: { untilAttempt: 2 } }] } });
    expect((await client.waitFor(id)).status).toBe('failed');
    expect(await client.retry(id)).toEqual({ id, status: expect.any(String) });
    const run = await client.waitFor(id);
    expect(run.status).toBe('succeeded');
    expect(run.steps[0]!.attempts).toBe(2);
    expect((await caught(client.retry(id))).code).toBe('RUN_NOT_FAILED');
  });

  it('validates workflows, and answers errors as BatonApiError with status, code and details', async () => {
    expect(await client.validate(echo('fine'))).toEqual({ valid: true });
    const invalid = await caught(client.validate({ name: 'bad', steps: [{ id: 'a', agent: 'echo', needs: ['nowhere'] }] }));
    expect(invalid).toMatchObject({ name: 'BatonApiError', status: 400, code: 'VALIDATION_FAILED' });
    expect(invalid.details).toEqual(expect.arrayContaining([expect.objectContaining({ path: 'workflow.steps[0].needs[0]' })]));
    expect(invalid.requestId).toEqual(expect.any(String));
    expect(await caught(client.submit({ template: 'no-such-template' }))).toMatchObject({ status: 404, code: 'TEMPLATE_NOT_FOUND' });
    expect(await caught(client.get('no-such-run'))).toMatchObject({ status: 404, code: 'RUN_NOT_FOUND' });
    expect(await caught(new BatonClient({ baseUrl: baton.url }).get('x'))).toMatchObject({ status: 401, code: 'UNAUTHENTICATED' });
    expect(await caught(client.list({ limit: 500 }))).toMatchObject({ status: 400, code: 'VALIDATION_FAILED' });
    const unreachable = await caught(new BatonClient({ baseUrl: 'http://127.0.0.1:1' }).get('x'));
    expect(unreachable).toMatchObject({ status: 0, code: 'UNREACHABLE' });
  });

  it('puts, lists, gets and diffs templates (YAML too)', async () => {
    expect(await client.templates.put('greet', echo('greet'))).toEqual({ name: 'greet', version: 1, created: true });
    expect(await client.templates.put('greet', echo('greet'))).toEqual({ name: 'greet', version: 1, created: false });
    const yaml = 'name: greet\nsteps:\n  - id: a\n    agent: echo\n    input: { text: changed }\n';
    expect(await client.templates.put('greet', yaml)).toEqual({ name: 'greet', version: 2, created: true });
    expect((await client.templates.get('greet')).version).toBe(2);
    expect((await client.templates.get('greet', 1)).definition).toEqual(echo('greet'));
    const diff = await client.templates.diff('greet', 1, 2);
    expect(diff).toMatchObject({ name: 'greet', from: 1, to: 2 });
    expect(diff.changes).toEqual([{ op: 'changed', path: 'steps[0].input.text', from: '{{ $input.text }}', to: 'changed' }]);
    const names: string[] = [];
    for await (const t of client.templates.listAll()) names.push(t.name);
    expect(names).toEqual(expect.arrayContaining(['greet', 'paged']));
    expect((await client.templates.list({ limit: 1 })).items).toHaveLength(1);
    expect(await caught(client.templates.get('greet', 9))).toMatchObject({ status: 404, code: 'TEMPLATE_NOT_FOUND' });
  });

  it('creates, lists and deletes API keys; a viewer key reads and may not submit, a deleted one stops working', async () => {
    const created = await client.apiKeys.create({ name: 'reader', role: 'viewer' });
    expect(created).toMatchObject({ name: 'reader', role: 'viewer', tenant: 'default', key: expect.any(String) });
    const listed = await client.apiKeys.list();
    expect(listed.find((k) => k.id === created.id)).toEqual(expect.not.objectContaining({ key: expect.anything() }));
    const viewer = new BatonClient({ baseUrl: baton.url, token: created.key });
    expect(Array.isArray((await viewer.list({ limit: 1 })).items)).toBe(true);
    expect(await caught(viewer.submit({ workflow: echo('nope') }))).toMatchObject({ status: 403, code: 'FORBIDDEN' });
    await client.apiKeys.delete(created.id);
    expect(await caught(viewer.list())).toMatchObject({ status: 401, code: 'UNAUTHENTICATED' });
    expect(await caught(client.apiKeys.delete(created.id))).toMatchObject({ status: 404, code: 'API_KEY_NOT_FOUND' });
  });

  it('reads agents, stats and history', async () => {
    expect((await client.agents()).map((a) => a.name)).toEqual(expect.arrayContaining(['echo', 'delay']));
    const stats = await client.stats({ window: '1h' });
    expect(stats).toMatchObject({ window: '1h', agents: expect.any(Array), templates: expect.any(Array) });
    const { id } = await client.submit({ workflow: echo('history'), input: { text: 'x' } });
    await client.waitFor(id);
    const page = await client.history(id, { limit: 2 });
    expect(page.items.map((e) => e.seq)).toEqual([1, 2]);
    const rest = await client.history(id, { after: page.nextCursor });
    expect(rest.items.at(-1)!.type).toBe('run.succeeded');
  });

  describe("operators' controls", () => {
    const twoSteps = (name: string) => ({
      name, steps: [
        { id: 'slow', agent: 'delay', input: { ms: 3000, value: 'slow-done' } },
        { id: 'after', agent: 'echo', needs: ['slow'], input: { got: '{{ $steps.slow.output }}' } },
      ],
    });

    it('pauses and resumes a run, re-runs it from a step with an edited input, and forks it', async () => {
      const { id } = await client.submit({ workflow: twoSteps('operated') });
      expect(await client.pause(id)).toEqual({ id, status: 'paused' });
      expect(await client.pause(id)).toEqual({ id, status: 'paused' });
      expect(await client.get(id)).toMatchObject({ status: 'paused', pausedBy: expect.any(String) });
      expect(await client.resume(id)).toEqual({ id, status: expect.any(String) });
      const done = await client.waitFor(id);
      expect(done).toMatchObject({ status: 'succeeded', output: { after: { got: 'slow-done' } } });
      expect(await caught(client.pause(id))).toMatchObject({ status: 409, code: 'RUN_FINISHED' });

      expect(await client.rerun(id, { fromStep: 'after', input: { got: 'edited' } })).toEqual({ id, status: expect.any(String) });
      const rerun = await client.waitFor(id);
      expect(rerun).toMatchObject({ status: 'succeeded', output: { after: { got: 'edited' } } });
      expect(await caught(client.rerun(id, { fromStep: 'nowhere' }))).toMatchObject({ status: 400, code: 'VALIDATION_FAILED' });

      const fork = await client.fork(id, { fromStep: 'after' });
      expect(fork).toEqual({ id: expect.any(String), status: expect.any(String), links: { self: `/v1/runs/${fork.id}`, events: `/v1/runs/${fork.id}/events` } });
      expect(fork.id).not.toBe(id);
      const forked = await client.waitFor(fork.id);
      expect(forked).toMatchObject({ status: 'succeeded', forkedFrom: { id, step: 'after', links: { self: `/v1/runs/${id}` } }, output: { after: { got: 'slow-done' } } });
      expect(await caught(client.fork(id, { fromStep: 'after', version: 2 }))).toMatchObject({ status: 400, code: 'VALIDATION_FAILED' });
    });

    it('pauses a template (its new runs wait) and resumes it with the runs it held', async () => {
      await client.templates.put('held', echo('held'));
      expect(await client.templates.pause('held')).toEqual({ name: 'held', paused: true });
      const { id } = await client.submit({ template: 'held', input: { text: 'later' } });
      await waitForStatus(id, (run) => run.status === 'paused');
      expect(await client.templates.resume('held')).toEqual({ name: 'held', paused: false, resumedRuns: 1 });
      expect(await client.waitFor(id)).toMatchObject({ status: 'succeeded', output: { a: { text: 'later' } } });
      expect(await client.templates.resume('held')).toEqual({ name: 'held', paused: false, resumedRuns: 0 });
      expect(await caught(client.templates.pause('no-such-template'))).toMatchObject({ status: 404, code: 'TEMPLATE_NOT_FOUND' });
    });

    it('pauses and resumes an agent fleet-wide; the agents list shows the pause', async () => {
      expect(await client.pauseAgent('delay')).toEqual({ name: 'delay', paused: true });
      expect((await client.agents()).find((a) => a.name === 'delay')).toMatchObject({ paused: { by: expect.any(String), reason: 'paused by hand', at: expect.any(String) } });
      expect(await client.resumeAgent('delay')).toEqual({ name: 'delay', paused: false });
      expect((await client.agents()).find((a) => a.name === 'delay')!.paused).toBeUndefined();
      expect(await caught(client.pauseAgent('no-such-agent'))).toMatchObject({ status: 404, code: 'AGENT_NOT_FOUND' });
    });

    it('starts a bulk operation, reads its progress and waits for it', async () => {
      await client.templates.put('bulk-held', { ...waiting, name: 'bulk-held' });
      const ids = await Promise.all([1, 2, 3].map(async () => (await client.submit({ template: 'bulk-held' })).id));
      for (const id of ids) await waitForStatus(id, (run) => run.status === 'running');
      const { id } = await client.bulkOperations.start({ action: 'cancel', filter: { template: 'bulk-held', status: ['running'] } });
      expect((await client.bulkOperations.get(id)).matched).toBe(3);
      const seen: string[] = [];
      const operation = await client.bulkOperations.waitFor(id, { intervalMs: 50, onProgress: (op) => seen.push(op.status) });
      expect(operation).toMatchObject({ id, action: 'cancel', status: 'succeeded', filter: { template: 'bulk-held', status: ['running'] }, matched: 3, done: 3, failed: 0 });
      expect(seen.at(-1)).toBe('succeeded');
      for (const runId of ids) expect((await client.get(runId)).status).toBe('cancelled');
      expect(await caught(client.bulkOperations.start({ action: 'explode' as 'cancel', filter: {} }))).toMatchObject({ status: 400, code: 'VALIDATION_FAILED' });
      expect(await caught(client.bulkOperations.get('no-such-operation'))).toMatchObject({ status: 404, code: 'BULK_OPERATION_NOT_FOUND' });
    });
  });

  describe('events', () => {
    const slow = {
      name: 'slow', steps: [
        { id: 'a', agent: 'echo', input: { text: 'a' } },
        { id: 'b', agent: 'delay', needs: ['a'], input: { ms: 800 } },
        { id: 'c', agent: 'echo', needs: ['b'], input: { text: 'c' } },
      ],
    };
    const allEvents = async (id: string) => (await client.history(id, { limit: 1000 })).items;

    it('iterates a run\'s events live to the final one, in order', async () => {
      const { id } = await client.submit({ workflow: slow });
      const seen: RunEvent[] = [];
      for await (const event of client.events(id)) seen.push(event);
      expect(seen.at(-1)!.type).toBe('run.succeeded');
      expect(seen.map((e) => e.seq)).toEqual(seen.map((_, i) => i + 1));
      expect(seen).toEqual(await allEvents(id));
    });

    it('stops on abort, and resumes after the last event seen without repeating one', async () => {
      const { id } = await client.submit({ workflow: slow });
      const controller = new AbortController();
      const first: RunEvent[] = [];
      const stopped = (async () => {
        for await (const event of client.events(id, { signal: controller.signal })) {
          first.push(event);
          if (event.type === 'step.started' && event.key === 'b') controller.abort(new Error('enough'));
        }
      })();
      await expect(stopped).rejects.toThrow('enough');
      expect(first.at(-1)).toMatchObject({ type: 'step.started', key: 'b' });
      const rest: RunEvent[] = [];
      for await (const event of client.events(id, { after: first.at(-1)!.seq })) rest.push(event);
      expect([...first, ...rest]).toEqual(await allEvents(id));
      expect(rest.at(-1)!.type).toBe('run.succeeded');
    });

    it('reconnects a broken stream with Last-Event-ID', async () => {
      const lastEventIds: Array<string | null> = [];
      let cut = false;
      // The first stream breaks after its first event: the connection is dropped, as a proxy or a restart would.
      const breaking: typeof fetch = async (input, init) => {
        const response = await fetch(input, init);
        if (!String(input).endsWith('/events')) return response;
        lastEventIds.push(new Headers(init?.headers).get('last-event-id'));
        if (cut) return response;
        cut = true;
        const reader = response.body!.getReader();
        const body = new ReadableStream<Uint8Array>({
          async pull(controller) {
            const { done, value } = await reader.read();
            if (done) return controller.close();
            controller.enqueue(value);
            if (new TextDecoder().decode(value).includes('\n\n')) {
              await reader.cancel();
              controller.error(new TypeError('terminated'));
            }
          },
        });
        return new Response(body, { status: response.status, headers: response.headers });
      };
      const breakable = new BatonClient({ baseUrl: baton.url, apiKey: ADMIN, fetch: breaking });
      const { id } = await client.submit({ workflow: slow });
      const seen: RunEvent[] = [];
      for await (const event of breakable.events(id, { reconnectDelayMs: 50 })) seen.push(event);
      expect(seen).toEqual(await allEvents(id));
      expect(lastEventIds.length).toBeGreaterThanOrEqual(2);
      expect(lastEventIds[0]).toBe('0');
      expect(Number(lastEventIds[1])).toBeGreaterThanOrEqual(1);
    });

    it('ends at once for a finished run resumed after its last event, and throws RUN_NOT_FOUND for an unknown run', async () => {
      const { id } = await client.submit({ workflow: echo('short'), input: { text: 'x' } });
      await client.waitFor(id);
      const last = (await allEvents(id)).at(-1)!.seq;
      const after: RunEvent[] = [];
      for await (const event of client.events(id, { after: last })) after.push(event);
      expect(after).toEqual([]);
      const iterate = async () => {
        for await (const event of client.events('no-such-run')) void event;
      };
      await expect(iterate()).rejects.toMatchObject({ status: 404, code: 'RUN_NOT_FOUND' });
    });
  });

  async function waitForStatus(id: string, ready: (run: Awaited<ReturnType<BatonClient['get']>>) => boolean): Promise<void> {
    for (let i = 0; i < 400; i++) {
      if (ready(await client.get(id))) return;
      await new Promise((r) => setTimeout(r, 25));
    }
    throw new Error(`run ${id} never got there`);
  }
});
