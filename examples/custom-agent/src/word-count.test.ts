import assert from 'node:assert/strict';
import { test } from 'node:test';
import { executeAgent, startAgent, type AgentLogger } from '@baton/agent-sdk';
import { wordCount } from './word-count';

const logger: AgentLogger = { info: () => undefined, warn: () => undefined, error: () => undefined };
const job = (input: unknown) => ({ input, context: {}, runId: 'run-1', key: 'count', attempt: 1 });

/** The agent as a worker runs it: its config parsed and its setup run once, then attempts. */
async function started(config?: unknown) {
  return startAgent(wordCount, config, { logger, signal: new AbortController().signal });
}

async function run(input: unknown, config?: unknown) {
  const agent = await started(config);
  return executeAgent(agent.agent, job(input), { signal: new AbortController().signal, logger, deps: agent.deps });
}

test('counts words and ranks the most frequent, leaving out the default stop words', async () => {
  const outcome = await run({ text: 'The cat and the hat. The CAT sat; a cat’s hat-stand!' });
  assert.deepEqual(outcome, {
    type: 'succeeded',
    output: { words: 11, distinct: 8, top: [{ word: 'cat', count: 2 }, { word: 'cat’s', count: 1 }, { word: 'hat', count: 1 }] },
  });
});

test('takes its stop words from its config', async () => {
  const outcome = await run({ text: 'to be or not to be', top: 2 }, { stopWords: ['be'] });
  assert.deepEqual(outcome, { type: 'succeeded', output: { words: 6, distinct: 4, top: [{ word: 'to', count: 2 }, { word: 'not', count: 1 }] } });
});

test('refuses an input its schema refuses, without retries', async () => {
  const outcome = await run({ text: 42 });
  assert.equal(outcome.type, 'failed');
  assert.equal(outcome.type === 'failed' && outcome.error.code, 'INVALID_INPUT');
  assert.equal(outcome.type === 'failed' && outcome.retryable, false);
});

test('fails a text over maxCharacters with its own code, without retries', async () => {
  const outcome = await run({ text: 'x'.repeat(11) }, { maxCharacters: 10 });
  assert.deepEqual(outcome.type === 'failed' && { code: outcome.error.code, retryable: outcome.retryable }, { code: 'TEXT_TOO_LONG', retryable: false });
});

test('refuses a config its schema refuses, before it serves anything', async () => {
  await assert.rejects(started({ stopWords: 'the' }), /invalid config for agent "word-count": stopWords: Expected array, received string/);
});
