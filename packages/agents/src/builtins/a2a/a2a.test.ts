import { executeAgent, startAgent, type StartedAgent } from '@baton/agent-sdk';
import { jobOf, memoryLogger } from '@baton/agent-sdk/testing';
import { a2aAgent } from './a2a';
import { startTestA2aServer, type TestA2aServer } from './a2a-test-server.test-helper';

let remote: TestA2aServer;
beforeAll(async () => {
  remote = await startTestA2aServer();
});
afterAll(() => remote.close());

const started: StartedAgent[] = [];
afterEach(async () => {
  remote.failing.clear();
  await Promise.all(started.splice(0).map((s) => s.close()));
});

async function agentWith(config: Record<string, unknown> = { allow: ['127.0.0.1'], pollMs: 50 }) {
  const s = await startAgent(a2aAgent, config, { logger: memoryLogger(), signal: new AbortController().signal });
  started.push(s);
  return (input: unknown, over = {}) => executeAgent(a2aAgent, jobOf(input, { runId: 'run-7', key: 'ask', ...over }), { signal: new AbortController().signal, logger: memoryLogger(), deps: s.deps });
}

describe('a2a', () => {
  it.each(['stream', 'poll'])('follows a task of the %s agent to completion and returns its artifacts', async (name) => {
    const call = await agentWith();
    const outcome = await call({ url: `${remote.base}/${name}`, message: name === 'poll' ? 'slow' : 'complete', headers: { Authorization: 'Bearer t0k' } });
    expect(outcome).toMatchObject({
      type: 'succeeded',
      output: { taskId: expect.any(String), contextId: expect.any(String), data: { answer: 42 }, text: 'forty\ntwo', artifacts: [{ name: 'answer', data: { answer: 42 }, text: 'forty\ntwo' }] },
    });
    const calls = remote.seen.filter((s) => s.url.startsWith(`/${name}/`));
    expect(calls[0]!.url).toBe(`/${name}/.well-known/agent-card.json`);
    expect(calls.every((s) => s.headers.authorization === 'Bearer t0k')).toBe(true);
    // Polling asked for the task again; streaming did not.
    expect(calls.length > 2).toBe(name === 'poll');
  });

  it('fails a failed task for good, with the remote agent\'s reason', async () => {
    const call = await agentWith();
    expect(await call({ url: `${remote.base}/stream/`, message: 'fail' })).toMatchObject({
      type: 'failed', retryable: false, error: { code: 'A2A_TASK_FAILED', message: expect.stringMatching(/^the remote agent's task \S+ failed: no luck today$/) },
    });
  });

  it.each(['stream', 'poll'])('hands a task that asks for input (%s) to wait, then sends the answer to the same task', async (name) => {
    const call = await agentWith();
    const input = { url: `${remote.base}/${name}/.well-known/agent-card.json`, message: 'ask' };
    const asked = await call(input);
    expect(asked).toMatchObject({ type: 'handoff', to: 'wait', input: { signal: 'ask', state: { taskId: expect.any(String), contextId: expect.any(String) } }, reason: 'which colour?' });
    const { state } = (asked as { input: { state: { taskId: string } } }).input;
    const answered = await call({ ...input, resume: { signal: 'ask', payload: { colour: 'blue' }, state } }, { key: 'ask>handoff:2' });
    expect(answered).toMatchObject({ type: 'succeeded', output: { taskId: state.taskId, data: { answer: { colour: 'blue' } }, text: 'thanks for {"colour":"blue"}' } });
  });

  it('names its signal after the step, or as the input says', async () => {
    const call = await agentWith();
    expect(await call({ url: `${remote.base}/stream`, message: 'ask' }, { key: 'ask[3]' })).toMatchObject({ type: 'handoff', input: { signal: 'ask.3' } });
    expect(await call({ url: `${remote.base}/stream`, message: 'ask', signal: 'colour' })).toMatchObject({ type: 'handoff', input: { signal: 'colour' } });
    expect(await call({ url: `${remote.base}/stream`, message: 'ask' }, { key: '_ask' })).toMatchObject({ type: 'failed', error: { code: 'INVALID_INPUT' }, retryable: false });
  });

  it('reaches no loopback address unless allowed (the http agent\'s guard), and follows no redirect', async () => {
    const call = await agentWith({});
    expect(await call({ url: `${remote.base}/stream`, message: 'complete' })).toMatchObject({ type: 'failed', retryable: false, error: { code: 'HTTP_ADDRESS_REFUSED' } });
    const allowed = await agentWith();
    expect(await allowed({ url: `${remote.base}/stream/redirect`, message: 'complete' })).toMatchObject({ type: 'failed', retryable: false, error: { code: 'A2A_REDIRECT' } });
    expect(await allowed({ url: 'ftp://example.com', message: 'x' })).toMatchObject({ type: 'failed', retryable: false });
    expect(await allowed({ url: 'not a url', message: 'x' })).toMatchObject({ type: 'failed', retryable: false, error: { message: 'invalid URL' } });
  });

  it('retries transport errors and 5xx only, naming the origin alone', async () => {
    const call = await agentWith();
    remote.failing.set('/stream/.well-known/agent-card.json', 503);
    expect(await call({ url: `${remote.base}/stream?token=s3cret`, message: 'complete' })).toMatchObject({ type: 'failed', retryable: true, error: { message: `${remote.base} answered 503 while fetching its agent card` } });
    remote.failing.set('/poll/rpc', 502);
    expect(await call({ url: `${remote.base}/poll`, message: 'complete' })).toMatchObject({ type: 'failed', retryable: true, error: { message: `${remote.base} answered 502 while sending the message` } });
    remote.failing.set('/poll/rpc', 401);
    expect(await call({ url: `${remote.base}/poll`, message: 'complete' })).toMatchObject({ type: 'failed', retryable: false, error: { code: 'A2A_STATUS' } });
    expect(await call({ url: `${remote.base}/nobody`, message: 'complete' })).toMatchObject({ type: 'failed', retryable: false, error: { code: 'A2A_STATUS' } });
    expect(await call({ url: 'http://127.0.0.1:1', message: 'complete' })).toMatchObject({ type: 'failed', retryable: true, error: { message: expect.stringContaining('could not be reached') } });
    // A JSON-RPC error (an unknown task) is the remote's answer: not retried.
    remote.failing.clear();
    expect(await call({ url: `${remote.base}/poll`, message: 'x', resume: { signal: 'ask', payload: 'x', state: { taskId: 'nope', contextId: '' } } })).toMatchObject({ type: 'failed', retryable: false, error: { code: 'A2A_ERROR' } });
  });
});
