// The llm agent through the real api and worker, against a local server speaking the
// chat-completions protocol (no model is reachable here): streamed tokens on the run's SSE stream
// and history, token usage per step and per run, tool calls as hand-offs, the token budget, and
// every documented failure (4xx, 5xx, timeout, malformed stream, a tool call to a target not allowed).
import { randomBytes } from 'node:crypto';
import { BatonHarness } from '../testing/baton-harness';
import { FakeChatServer } from '../testing/fake-chat-server';

const API_KEY = 'sk-test-secret-key-0123456789';

interface Frame {
  event: string;
  id: number;
  data: { seq: number; type: string; key?: string; attempt?: number; data?: Record<string, unknown> };
}

/** Reads a whole SSE response (it ends after the run's final event) into its frames. */
async function readStream(url: string): Promise<Frame[]> {
  const res = await fetch(url, { headers: { accept: 'text/event-stream' }, signal: AbortSignal.timeout(20_000) });
  const text = await res.text();
  return text
    .split('\n\n')
    .filter((block) => block.length > 0 && !block.startsWith(':'))
    .map((block) => {
      const fields = Object.fromEntries(block.split('\n').map((line) => [line.slice(0, line.indexOf(':')), line.slice(line.indexOf(':') + 2)]));
      return { event: fields.event!, id: Number(fields.id), data: JSON.parse(fields.data!) as Frame['data'] };
    });
}

const ask = (model: string, extra: Record<string, unknown> = {}) => ({ model, messages: [{ role: 'user', content: 'Say hello' }], ...extra });

jest.setTimeout(60_000);

describe('the llm agent', () => {
  let baton: BatonHarness;
  let fake: FakeChatServer;

  beforeAll(async () => {
    fake = await FakeChatServer.start();
    baton = await BatonHarness.start({
      env: {
        BATON_LLM_BASE_URL: fake.baseUrl,
        BATON_LLM_API_KEY: API_KEY,
        BATON_AGENT_CONFIG: JSON.stringify({ llm: { retries: 1, retryDelayMs: 20, timeoutMs: 1500 } }),
        BATON_SECRET_KEY: randomBytes(32).toString('base64'),
        BATON_SECRET_KEY_ID: 'llm-test',
      },
    });
  });
  afterAll(async () => {
    await baton?.close();
    await fake?.close();
  });

  const history = async (id: string) => (await baton.request('GET', `/v1/runs/${id}/history?limit=1000`)).body.items as Frame['data'][];
  /** Everything a client can read of a run: the run, its history, as text. */
  const everything = async (id: string) => JSON.stringify([await baton.run(id), await history(id)]);

  it('streams the answer into the SSE stream and history as step.progress events, and sums the tokens on the step and the run', async () => {
    const id = await baton.submit({
      name: 'chat',
      steps: [
        { id: 'greet', agent: 'llm', input: ask('stream-ok') },
        { id: 'again', agent: 'llm', needs: ['greet'], input: ask('json-ok', { stream: false }) },
      ],
    });
    const frames = await readStream(`${baton.url}/v1/runs/${id}/events`);
    const run = await baton.waitFor(id);
    expect(run.status).toBe('succeeded');
    expect(run.steps.find((s) => s.key === 'greet')!.output).toEqual({
      content: 'Hello there, how are you today?', model: 'fake-1', finishReason: 'stop', usage: { promptTokens: 12, completionTokens: 7, totalTokens: 19 },
    });
    expect(run.steps.find((s) => s.key === 'again')!.output).toMatchObject({ content: 'plain answer', usage: { totalTokens: 7 } });

    // Tokens arrive 80 ms apart and are coalesced: several events, fewer than the six tokens, whose text adds up.
    const progress = frames.filter((f) => f.event === 'step.progress');
    expect(progress.length).toBeGreaterThanOrEqual(2);
    expect(progress.length).toBeLessThan(6);
    expect(progress.map((f) => f.data.data!.text).join('')).toBe('Hello there, how are you today?');
    expect(progress.every((f) => f.data.key === 'greet' && f.data.attempt === 1)).toBe(true);
    // Before the step's result, in sequence, and the same events in history.
    const types = frames.map((f) => `${f.event} ${f.data.key ?? ''}`.trim());
    expect(types.lastIndexOf('step.progress greet')).toBeLessThan(types.indexOf('step.usage greet'));
    expect(types.indexOf('step.usage greet')).toBeLessThan(types.indexOf('step.succeeded greet'));
    expect((await history(id)).filter((e) => e.type === 'step.progress')).toEqual(progress.map((f) => f.data));

    const view = (await baton.request('GET', `/v1/runs/${id}`)).body;
    expect(view.usage).toEqual({ promptTokens: 17, completionTokens: 9, totalTokens: 26 });
    expect(view.steps.map((s: { key: string; usage?: unknown }) => [s.key, s.usage])).toEqual([
      ['greet', { promptTokens: 12, completionTokens: 7, totalTokens: 19 }],
      ['again', { promptTokens: 5, completionTokens: 2, totalTokens: 7 }],
    ]);

    // The request: the chat-completions protocol, the key as a bearer token, usage asked for when streaming.
    const [streamed] = fake.of('stream-ok');
    expect(streamed!.authorization).toBe(`Bearer ${API_KEY}`);
    expect(streamed!.body).toMatchObject({ stream: true, stream_options: { include_usage: true }, messages: [{ role: 'user', content: 'Say hello' }] });
    expect(fake.of('json-ok')[0]!.body).not.toHaveProperty('stream_options');
    expect(await everything(id)).not.toContain(API_KEY);
  });

  it('hands off to the agent a streamed tool call names, its arguments as the input, counting the tokens of the call', async () => {
    const id = await baton.submit({
      name: 'route',
      steps: [{ id: 'triage', agent: 'llm', handoffs: ['echo'], input: ask('tool-call', { tools: ['echo'] }) }],
    });
    const run = await baton.waitFor(id);
    expect(run.status).toBe('succeeded');
    expect(run.steps.map((s) => [s.key, s.agent, s.status])).toEqual([
      ['triage', 'llm', 'succeeded'],
      ['triage>handoff:1', 'echo', 'succeeded'],
    ]);
    expect(run.steps[0]!.output).toEqual({ ticket: 42, lang: 'fr' });
    const events = await history(id);
    expect(events.find((e) => e.type === 'step.handoff')).toMatchObject({ key: 'triage', data: { from: 'llm', to: 'echo', reason: 'the model called tool echo' } });
    expect((await baton.request('GET', `/v1/runs/${id}`)).body.usage).toEqual({ promptTokens: 20, completionTokens: 9, totalTokens: 29 });
    expect(fake.of('tool-call')[0]!.body.tools).toEqual([
      { type: 'function', function: { name: 'echo', description: expect.any(String), parameters: { type: 'object', additionalProperties: true } } },
    ]);
  });

  it('fails a tool call to an agent outside the step\'s handoffs (HANDOFF), the tokens still counted', async () => {
    const id = await baton.submit({
      name: 'route-refused',
      steps: [{ id: 'triage', agent: 'llm', handoffs: ['delay'], input: ask('tool-call', { tools: ['echo', 'delay'] }) }],
    });
    const run = await baton.waitFor(id);
    expect(run.status).toBe('failed');
    expect(run.steps[0]!.error).toEqual({ code: 'HANDOFF', message: 'step triage: hand-off to echo is not allowed (handoffs: [delay])' });
    expect((await baton.request('GET', `/v1/runs/${id}`)).body.usage).toEqual({ promptTokens: 20, completionTokens: 9, totalTokens: 29 });
  });

  it('fails a 4xx at once without trying again (LLM_HTTP_STATUS), the provider\'s message shown and the key never', async () => {
    const id = await baton.submit({ name: 'unauthorised', steps: [{ id: 'a', agent: 'llm', retry: { attempts: 3 }, input: ask('status-401') }] });
    const run = await baton.waitFor(id);
    expect(run.steps[0]).toMatchObject({ status: 'failed', attempts: 1, error: { code: 'LLM_HTTP_STATUS', message: expect.stringMatching(/^POST http:\/\/127\.0\.0\.1:\d+ answered 401: Incorrect API key provided: sk-tes\*\*\*$/) } });
    expect(fake.of('status-401')).toHaveLength(1);
    expect(await everything(id)).not.toContain(API_KEY);
  });

  it('tries a 5xx again and succeeds, and fails a lasting 5xx after its tries, retryable by the step\'s policy', async () => {
    const flaky = await baton.submit({ name: 'flaky', steps: [{ id: 'a', agent: 'llm', input: ask('flaky-503') }] });
    expect((await baton.waitFor(flaky)).status).toBe('succeeded');
    expect(fake.of('flaky-503')).toHaveLength(2);

    const down = await baton.submit({ name: 'down', steps: [{ id: 'a', agent: 'llm', retry: { attempts: 2 }, input: ask('always-503') }] });
    const run = await baton.waitFor(down);
    expect(run.steps[0]).toMatchObject({ status: 'failed', attempts: 2, error: { code: 'AGENT_ERROR', message: expect.stringMatching(/answered 503: overloaded \(after 2 tries\)$/) } });
    // Two tries in the agent, for each of the step's two attempts.
    expect(fake.of('always-503')).toHaveLength(4);
  });

  it('fails a model that stops answering once its timeout has passed', async () => {
    const id = await baton.submit({ name: 'slow', steps: [{ id: 'a', agent: 'llm', input: ask('slow', { timeoutMs: 300 }) }] });
    const run = await baton.waitFor(id);
    // The first token had streamed: no second try (its text would come twice).
    expect(run.steps[0]).toMatchObject({ status: 'failed', error: { code: 'AGENT_ERROR', message: expect.stringMatching(/^POST http:\/\/127\.0\.0\.1:\d+ timed out after 300 ms$/) } });
    expect(fake.of('slow')).toHaveLength(1);
  });

  it.each([
    ['malformed', 'the model\'s answer is malformed: a stream chunk is not JSON'],
    ['truncated', 'the model\'s answer is malformed: the stream ended before data: [DONE]'],
  ])('fails a %s stream (LLM_MALFORMED_RESPONSE) without retrying', async (model, message) => {
    const id = await baton.submit({ name: model, steps: [{ id: 'a', agent: 'llm', retry: { attempts: 3 }, input: ask(model) }] });
    const run = await baton.waitFor(id);
    expect(run.steps[0]).toMatchObject({ status: 'failed', attempts: 1, error: { code: 'LLM_MALFORMED_RESPONSE', message } });
  });

  it('fails the next llm step once the run\'s token budget is spent (BUDGET_EXHAUSTED), capping max_tokens at what is left before', async () => {
    const before = fake.of('json-ok').length;
    const id = await baton.submit({
      name: 'budgeted',
      budget: { tokens: 20 },
      steps: [
        { id: 'first', agent: 'llm', input: ask('stream-ok') },
        { id: 'second', agent: 'llm', needs: ['first'], input: ask('stream-ok', { maxTokens: 500 }) },
        { id: 'third', agent: 'llm', needs: ['second'], input: ask('json-ok') },
      ],
    });
    const run = await baton.waitFor(id);
    expect(run.status).toBe('failed');
    expect(run.steps.map((s) => [s.key, s.status])).toEqual([['first', 'succeeded'], ['second', 'succeeded'], ['third', 'failed']]);
    expect(run.steps[2]!.error).toEqual({ code: 'BUDGET_EXHAUSTED', message: 'the run\'s token budget is spent: 38 of 20 tokens used (budget.tokens)' });
    expect(fake.of('json-ok')).toHaveLength(before);
    const streamed = fake.of('stream-ok').slice(-2).map((r) => r.body.max_tokens);
    expect(streamed).toEqual([20, 1]);
    expect((await baton.request('GET', `/v1/runs/${id}`)).body.usage).toEqual({ promptTokens: 24, completionTokens: 14, totalTokens: 38 });
  });

  it('masks a secret the model streams back, in progress events and output alike', async () => {
    const canary = `canary-${randomBytes(8).toString('hex')}`;
    expect((await baton.request('PUT', '/v1/secrets/PROMPT_TOKEN', { value: canary, allowedAgents: ['llm'] })).status).toBe(204);
    const id = await baton.submit({
      name: 'leaky-model',
      steps: [{ id: 'a', agent: 'llm', input: { model: 'echo-stream', messages: [{ role: 'user', content: 'token {{ $secrets.PROMPT_TOKEN }} end' }] } }],
    });
    const run = await baton.waitFor(id);
    expect(run.steps[0]!.output).toMatchObject({ content: 'token *** end' });
    expect(fake.of('echo-stream')[0]!.body.messages).toEqual([{ role: 'user', content: `token ${canary} end` }]);
    const progress = (await history(id)).filter((e) => e.type === 'step.progress');
    expect(progress.map((e) => e.data!.text).join('')).toBe('token *** end');
    expect(await everything(id)).not.toContain(canary);
  });

  it('refuses a budget of no tokens at submission', async () => {
    const res = await baton.request('POST', '/v1/runs', { workflow: { name: 'b', budget: { tokens: 0 }, steps: [{ id: 'a', agent: 'llm', input: ask('json-ok') }] } });
    expect(res.status).toBe(400);
    expect(res.body.error.details).toEqual([{ path: 'workflow.budget.tokens', message: 'number must be greater than or equal to 1' }]);
  });
});
