import type { AgentOutcome } from '@baton/agents';
import { resultEvent, unknownAgentEvent, unstorable, visible } from './result-event';

const ref = { runId: 'r', key: 'k', attempt: 2 };
const offload = async (runId: string, value: unknown) => ({ offloaded: value, runId });
const ran = { timedOut: false, aborted: false };

describe('resultEvent', () => {
  it.each<[string, AgentOutcome, { timedOut: boolean; aborted: boolean }, unknown]>([
    ['a success, its output offloaded', { type: 'succeeded', output: 1, contextWrites: { a: 1 } }, ran, { type: 'step.succeeded', key: 'k', attempt: 2, output: { offloaded: 1, runId: 'r' }, contextWrites: { a: 1 } }],
    ['a hand-off', { type: 'handoff', to: 'b', input: { x: 1 }, reason: 'why' }, ran, { type: 'step.succeeded', key: 'k', attempt: 2, contextWrites: undefined, handoff: { to: 'b', input: { x: 1 }, reason: 'why' } }],
    ['a failure', { type: 'failed', error: { code: 'AGENT_ERROR', message: 'no' }, retryable: true, cause: new Error('no') }, ran, { type: 'step.failed', key: 'k', attempt: 2, error: { code: 'AGENT_ERROR', message: 'no' }, retryable: true }],
    ['a timeout, whatever the outcome', { type: 'failed', error: { code: 'ABORTED', message: 'aborted' }, retryable: true }, { timedOut: true, aborted: true }, { type: 'step.timedOut', key: 'k', attempt: 2 }],
    ['nothing for a cancellation', { type: 'failed', error: { code: 'ABORTED', message: 'aborted' }, retryable: true }, { timedOut: false, aborted: true }, undefined],
  ])('maps %s', async (_what, outcome, ending, event) => {
    expect(await resultEvent(ref, outcome, ending, offload)).toEqual(event);
  });

  it('fails a result that cannot be stored, without offloading it', async () => {
    const event = await resultEvent(ref, { type: 'succeeded', output: 'a\u0000' }, ran, () => Promise.reject(new Error('not called')));
    expect(event).toEqual({ type: 'step.failed', key: 'k', attempt: 2, retryable: false, error: { code: 'OUTPUT_NOT_STORABLE', message: 'step k: the result cannot be stored: output holds \\u0000, which cannot be stored' } });
  });
});

test('unknownAgentEvent fails the step without retries', () => {
  expect(unknownAgentEvent(ref, 'x')).toEqual({ type: 'step.failed', key: 'k', attempt: 2, retryable: false, error: { code: 'UNKNOWN_AGENT', message: 'this worker does not serve agent x' } });
});

test('unstorable names every place, up to five', () => {
  expect(unstorable({ type: 'succeeded', output: { fine: 'ok' }, contextWrites: { n: 1 } })).toBeUndefined();
  const many = Object.fromEntries(Array.from({ length: 7 }, (_, i) => [`k${i}`, '\u0000']));
  expect(unstorable({ type: 'succeeded', output: many })?.match(/holds/g)).toHaveLength(5);
  expect(unstorable({ type: 'handoff', to: 'b', input: null, reason: '\udc00' })).toMatch(/^the result cannot be stored: handoff\.reason /);
});

test('visible writes NULs and lone surrogates as escapes, and leaves pairs alone', () => {
  expect(visible('a\u0000b\ud800c😀')).toBe('a\\u0000b\\ud800c😀');
});
