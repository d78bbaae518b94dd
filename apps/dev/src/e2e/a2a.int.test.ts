import { randomBytes, randomUUID } from 'node:crypto';
import { Message, TaskState, type StreamResponse, type Task } from '@a2a-js/sdk';
import { ClientFactory, ClientFactoryOptions, DefaultAgentCardResolver, JsonRpcTransportFactory, type Client } from '@a2a-js/sdk/client';
import { loadConfig, startApi } from '@baton/app-api';
import { createLogger } from '@baton/telemetry';
import { BatonHarness, type RunView } from '../testing/baton-harness';
import { waitFor } from '../testing/ephemeral-services';

jest.setTimeout(120_000);

const ADMIN = `admin-${randomUUID()}`;
const auth = { 'x-api-key': ADMIN };

const greet = {
  name: 'greet',
  description: 'Greets whoever it is asked to.',
  input: { type: 'object', properties: { who: { type: 'string' } }, required: ['who'] },
  steps: [
    { id: 'slow', agent: 'delay', input: { ms: 300 } },
    { id: 'greet', agent: 'echo', needs: ['slow'], input: { greeting: 'hello {{ $input.who }}' } },
  ],
  output: '{{ $steps.greet.output }}',
};
const approval = {
  name: 'approval',
  steps: [
    { id: 'approve', agent: 'wait', input: { signal: 'approve', timeoutMs: 60_000 } },
    { id: 'done', agent: 'echo', needs: ['approve'], input: { approved: '{{ $steps.approve.output }}' } },
  ],
  output: '{{ $steps.done.output }}',
};
const slow = { name: 'slow', steps: [{ id: 'nap', agent: 'delay', input: { ms: 30_000 } }] };

/** A message as any A2A client sends it: a data part, and text parts. */
const message = (data: unknown, texts: string[] = [], taskId?: string): Message => Message.fromJSON({
  messageId: randomUUID(), role: 'ROLE_USER', parts: [{ data }, ...texts.map((text) => ({ text }))], ...(taskId ? { taskId } : {}),
});
const send = (m: Message, returnImmediately = false) => ({ tenant: '', message: m, configuration: { returnImmediately, acceptedOutputModes: [], taskPushNotificationConfig: undefined }, metadata: undefined });

describe('Baton speaks Agent2Agent', () => {
  let baton: BatonHarness;
  /** `@a2a-js/sdk`'s own client for a template's card, sending these headers with every request. */
  const clientOf = (template: string, headers: Record<string, string> = auth, base = baton.url): Promise<Client> => {
    const fetchImpl: typeof fetch = (url, init) => fetch(url, { ...init, headers: { ...Object.fromEntries(new Headers(init?.headers).entries()), ...headers } });
    const factory = new ClientFactory(ClientFactoryOptions.createFrom(ClientFactoryOptions.default, {
      transports: [new JsonRpcTransportFactory({ fetchImpl })], cardResolver: new DefaultAgentCardResolver({ fetchImpl }),
    }));
    return factory.createFromUrl(`${base}/a2a/${template}/.well-known/agent-card.json`, '');
  };
  const keyOf = async (tenant: string, role = 'submitter'): Promise<string> => {
    const res = await baton.request('POST', '/v1/api-keys', { name: `${role}-${tenant}`, role, tenant }, auth);
    return res.body.key as string;
  };
  const run = async (id: string): Promise<RunView> => (await baton.request('GET', `/v1/runs/${id}`, undefined, auth)).body as RunView;
  const collect = async (events: AsyncIterable<StreamResponse>): Promise<StreamResponse[]> => {
    const all: StreamResponse[] = [];
    for await (const event of events) all.push(event);
    return all;
  };
  const finalState = (events: StreamResponse[]) => events.flatMap((e) => (e.payload?.$case === 'statusUpdate' ? [e.payload.value.status?.state] : e.payload?.$case === 'task' ? [e.payload.value.status?.state] : [])).at(-1);

  beforeAll(async () => {
    baton = await BatonHarness.start({
      env: {
        WORKER_AGENTS: 'echo,delay,a2a', BATON_HTTP_ALLOW: '127.0.0.1', BATON_AGENT_CONFIG: '{"a2a":{"pollMs":100}}',
        BATON_ADMIN_KEY: ADMIN, BATON_KEY_PEPPER: randomBytes(32).toString('base64url'),
        BATON_SECRET_KEY: randomBytes(32).toString('base64'), BATON_SECRET_KEY_ID: 'test-1',
      },
    });
    for (const template of [greet, approval, slow]) expect((await baton.request('PUT', `/v1/templates/${template.name}`, template, auth)).status).toBe(201);
    expect((await baton.request('PUT', '/v1/secrets/BATON_KEY', { value: ADMIN, allowedAgents: ['a2a'] }, auth)).status).toBe(204);
  });
  afterAll(async () => {
    await baton?.close();
  });

  test('an A2A client discovers a template\'s card, streams a run to completion and reads its output', async () => {
    const client = await clientOf('greet');
    const card = await client.getAgentCard();
    expect(card).toMatchObject({ name: 'greet', description: 'Greets whoever it is asked to.', version: '1', capabilities: { streaming: true } });
    expect(card.supportedInterfaces).toEqual([expect.objectContaining({ url: `${baton.url}/a2a/greet`, protocolBinding: 'JSONRPC', protocolVersion: '1.0' })]);
    expect(card.skills).toEqual([expect.objectContaining({ id: 'greet', description: expect.stringContaining('"required":["who"]') })]);
    expect(Object.keys(card.securitySchemes).sort()).toEqual(['apiKey', 'bearer']);
    expect(card.securitySchemes.apiKey?.scheme).toEqual({ $case: 'apiKeySecurityScheme', value: expect.objectContaining({ location: 'header', name: 'X-API-Key' }) });

    const events = await collect(client.sendMessageStream(send(message({ who: 'ada' }, ['be', 'nice']))));
    expect(events[0]?.payload?.$case).toBe('task');
    const id = (events[0]!.payload!.value as Task).id;
    expect(finalState(events)).toBe(TaskState.TASK_STATE_COMPLETED);
    const artifact = events.flatMap((e) => (e.payload?.$case === 'artifactUpdate' ? [e.payload.value.artifact] : [])).at(-1);
    expect(artifact?.parts[0]?.content).toEqual({ $case: 'data', value: { greeting: 'hello ada' } });

    const task = await client.getTask({ tenant: '', id });
    expect(task).toMatchObject({ id, contextId: id, status: { state: TaskState.TASK_STATE_COMPLETED } });
    expect(task.artifacts[0]?.parts[0]?.content).toEqual({ $case: 'data', value: { greeting: 'hello ada' } });
    // The task is the run, submitted like any other.
    expect(await run(id)).toMatchObject({ status: 'succeeded', template: 'greet', version: 1, input: { who: 'ada', text: 'be\nnice' } });
  });

  test('a blocking send answers the finished task; the same messageId again is the same run; a bad input is refused', async () => {
    const client = await clientOf('greet');
    const m = message({ who: 'bo' });
    const task = await client.sendMessage(send(m)) as Task;
    expect(task.status?.state).toBe(TaskState.TASK_STATE_COMPLETED);
    expect((await client.sendMessage(send(m)) as Task).id).toBe(task.id);
    await expect(client.sendMessage(send(message({ nobody: true })))).rejects.toThrow(/input/);
  });

  test('any api instance answers for a task, from Postgres, and streams it from the run\'s events', async () => {
    const second = await startApi(loadConfig(baton.env), createLogger({ level: 'error', service: 'api-2', silent: true }));
    try {
      const task = await (await clientOf('approval')).sendMessage(send(message({}), true)) as Task;
      const elsewhere = await clientOf('approval', auth, `http://127.0.0.1:${second.port}`);
      await waitFor(async () => (await elsewhere.getTask({ tenant: '', id: task.id })).status?.state === TaskState.TASK_STATE_INPUT_REQUIRED, 15_000, 'the task never asked for input');
      const streamed = collect(elsewhere.sendMessageStream(send(message({ by: 'bo' }, [], task.id))));
      expect(finalState(await streamed)).toBe(TaskState.TASK_STATE_COMPLETED);
      expect((await (await clientOf('approval')).getTask({ tenant: '', id: task.id })).artifacts[0]?.parts[0]?.content).toEqual({ $case: 'data', value: { approved: { by: 'bo' } } });
    } finally {
      await second.close();
    }
  });

  test('cancelTask cancels the run', async () => {
    const client = await clientOf('slow');
    const task = await client.sendMessage(send(message({}), true)) as Task;
    expect([TaskState.TASK_STATE_SUBMITTED, TaskState.TASK_STATE_WORKING]).toContain(task.status?.state);
    const cancelled = await client.cancelTask({ tenant: '', id: task.id, metadata: undefined });
    expect(cancelled.status?.state).toBe(TaskState.TASK_STATE_CANCELED);
    expect((await run(task.id)).status).toBe('cancelled');
    await expect(client.cancelTask({ tenant: '', id: task.id, metadata: undefined })).resolves.toMatchObject({ status: { state: TaskState.TASK_STATE_CANCELED } });
  });

  test('no credentials, an unknown template, another tenant\'s task and another template\'s are refused', async () => {
    const card = await fetch(`${baton.url}/a2a/greet/.well-known/agent-card.json`);
    expect(card.status).toBe(401);
    expect((await fetch(`${baton.url}/a2a/greet`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"jsonrpc":"2.0","id":1,"method":"GetTask","params":{"id":"x"}}' })).status).toBe(401);
    await expect(clientOf('greet', {})).rejects.toThrow(/401/);
    const unknown = await baton.request('GET', '/a2a/nope/.well-known/agent-card.json', undefined, auth);
    expect(unknown).toMatchObject({ status: 404, body: { error: { code: 'TEMPLATE_NOT_FOUND' } } });
    await expect(clientOf('nope')).rejects.toThrow(/404/);
    // Malformed JSON-RPC is a JSON-RPC error, and changes nothing.
    const rpc = async (body: unknown) => (await baton.request('POST', '/a2a/greet', body, auth)).body as { error?: { code: number } };
    expect((await rpc({})).error?.code).toBe(-32602);
    expect((await rpc({ jsonrpc: '2.0', id: 1, method: 'Nope', params: {} })).error?.code).toBe(-32601);
    expect((await rpc({ jsonrpc: '2.0', id: 2, method: 'SendMessage', params: {} })).error?.code).toBe(-32602);
    expect((await rpc({ jsonrpc: '2.0', id: 3, method: 'GetTask', params: { id: 'not-a-run' } })).error?.code).toBe(-32001);
    expect((await rpc({ jsonrpc: '2.0', id: 4, method: 'ListTasks', params: {} })).error?.code).toBe(-32004);

    const mine = await (await clientOf('greet')).sendMessage(send(message({ who: 'me' }))) as Task;
    const stranger = { authorization: `Bearer ${await keyOf('other')}` };
    // The other tenant has a template of that name too: its agent knows no such task.
    expect((await baton.request('PUT', '/v1/templates/greet', greet, { authorization: `Bearer ${await keyOf('other', 'operator')}` })).status).toBe(201);
    await expect((await clientOf('greet', stranger)).getTask({ tenant: '', id: mine.id })).rejects.toThrow(/not found/i);
    await expect((await clientOf('approval')).getTask({ tenant: '', id: mine.id })).rejects.toThrow(/not found/i);
    // A viewer reads but may not send.
    const viewer = await clientOf('greet', { authorization: `Bearer ${await keyOf('default', 'viewer')}` });
    await expect(viewer.getTask({ tenant: '', id: mine.id })).resolves.toMatchObject({ id: mine.id });
    await expect(viewer.sendMessage(send(message({ who: 'x' })))).rejects.toThrow(/403/);
  });

  test('a run waiting for a signal asks for input; the next message to its task is the signal', async () => {
    const client = await clientOf('approval');
    const asked = await collect(client.sendMessageStream(send(message({}))));
    expect(finalState(asked)).toBe(TaskState.TASK_STATE_INPUT_REQUIRED);
    const id = (asked[0]!.payload!.value as Task).id;
    const question = (await client.getTask({ tenant: '', id })).status?.message?.parts[0]?.content;
    expect(question).toEqual({ $case: 'text', value: expect.stringContaining('waiting for signal approve') });
    const done = await collect(client.sendMessageStream(send(message({ by: 'ada' }, [], id))));
    expect(finalState(done)).toBe(TaskState.TASK_STATE_COMPLETED);
    expect(await run(id)).toMatchObject({ status: 'succeeded', output: { approved: { by: 'ada' } } });
    await expect(client.sendMessage(send(message({}, [], id)))).rejects.toThrow(/does not ask for input|terminal|waits/);
  });

  test('a workflow\'s a2a step calls a template through A2A, with a key from $secrets', async () => {
    const res = await baton.request('POST', '/v1/runs', {
      workflow: { name: 'caller', steps: [{ id: 'ask', agent: 'a2a', input: { url: `${baton.url}/a2a/greet`, message: { who: 'cy' }, headers: { 'X-API-Key': '{{ $secrets.BATON_KEY }}' } } }] },
    }, auth);
    expect(res.status).toBe(202);
    const id = res.body.id as string;
    const finished = await waitUntil(id, (r) => ['succeeded', 'failed'].includes(r.status));
    expect(finished).toMatchObject({ status: 'succeeded', output: { ask: { data: { greeting: 'hello cy' }, artifacts: [{ name: 'output', data: { greeting: 'hello cy' } }] } } });
    expect(JSON.stringify(finished)).not.toContain(ADMIN);
  });

  test('a remote agent that asks for input is answered by a signal to the calling run, which follows the same task on', async () => {
    const res = await baton.request('POST', '/v1/runs', {
      workflow: {
        name: 'asks',
        steps: [{ id: 'ask', agent: 'a2a', handoffs: ['wait'], input: { url: `${baton.url}/a2a/approval`, message: {}, headers: { 'X-API-Key': '{{ $secrets.BATON_KEY }}' } } }],
      },
    }, auth);
    expect(res.status).toBe(202);
    const id = res.body.id as string;
    const waiting = await waitUntil(id, (r) => r.steps.some((s) => s.key === 'ask>handoff:1' && s.status === 'waiting'));
    expect(waiting.status).toBe('running');
    expect(waiting.steps.find((s) => s.key === 'ask>handoff:1')).toMatchObject({ agent: 'wait', waitingForSignal: { signal: 'ask' } });
    expect((await baton.request('POST', `/v1/runs/${id}/signals/ask`, { by: 'ada' }, auth)).status).toBe(202);
    const done = await waitUntil(id, (r) => ['succeeded', 'failed'].includes(r.status));
    expect(done).toMatchObject({ status: 'succeeded', output: { ask: { data: { approved: { by: 'ada' } } } } });
    expect(done.steps.find((s) => s.key === 'ask>handoff:2')).toMatchObject({ agent: 'a2a', status: 'succeeded' });
  });

  async function waitUntil(id: string, done: (r: RunView) => boolean): Promise<RunView> {
    let last: RunView | undefined;
    await waitFor(async () => done((last = await run(id))), 30_000, `run ${id}: ${JSON.stringify(last?.steps.map((s) => `${s.key}:${s.status}`))}`);
    return last!;
  }
});
