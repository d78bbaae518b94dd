import type { Problem } from './problem';
import { validate } from './validate';
import { MAX_WAIT_MS, SIGNAL_NAME, literalSignal, parseWaitInput } from './wait-step';

const problemsOf = (step: Record<string, unknown>, knownAgents = new Set(['echo'])): Problem[] => {
  const result = validate({ name: 'w', steps: [{ id: 'approve', agent: 'wait', ...step }] }, { knownAgents });
  return result.ok ? [] : result.problems;
};

describe('a wait step in a definition', () => {
  test.each<[string, Record<string, unknown>, Problem[]]>([
    ['a literal signal and timeout', { input: { signal: 'approve', timeoutMs: 60_000 } }, []],
    ['a computed signal and timeout', { input: { signal: 'approve-{{ $input.id }}', timeoutMs: '{{ $input.ms }}' } }, []],
    ['an input computed whole', { input: '{{ $input.wait }}' }, []],
    ['no input', {}, [{ path: 'steps[0].input', message: 'a wait step needs input { signal, timeoutMs? }' }]],
    ['an input that is a list', { input: ['approve'] }, [{ path: 'steps[0].input', message: 'a wait step needs input { signal, timeoutMs? }' }]],
    ['no signal', { input: { timeoutMs: 5 } }, [{ path: 'steps[0].input.signal', message: 'a wait step needs input.signal' }]],
    ['a signal that is not a string', { input: { signal: 5 } }, [{ path: 'steps[0].input.signal', message: 'signal must be a string' }]],
    ['a signal name with a space', { input: { signal: 'ok go' } }, [{ path: 'steps[0].input.signal', message: 'signal must match [A-Za-z0-9][A-Za-z0-9._:-]{0,127}' }]],
    ['a timeout of 0', { input: { signal: 'go', timeoutMs: 0 } }, [{ path: 'steps[0].input.timeoutMs', message: `timeoutMs must be an integer from 1 to ${MAX_WAIT_MS}` }]],
    ['a timeout as plain text', { input: { signal: 'go', timeoutMs: '5' } }, [{ path: 'steps[0].input.timeoutMs', message: `timeoutMs must be an integer from 1 to ${MAX_WAIT_MS}` }]],
    ['an unknown input field', { input: { signal: 'go', 'a b': 1 } }, [{ path: 'steps[0].input["a b"]', message: 'a wait takes { signal, timeoutMs? }' }]],
    ['fields that do not apply', { input: { signal: 'go' }, timeoutMs: 5, retry: { attempts: 2 }, handoffs: ['echo'], maxHandoffs: 1 }, [
      { path: 'steps[0].retry', message: 'retry does not apply to a wait step' },
      { path: 'steps[0].timeoutMs', message: 'a wait step takes its timeout in input.timeoutMs' },
      { path: 'steps[0].handoffs', message: 'handoffs does not apply to a wait step' },
      { path: 'steps[0].maxHandoffs', message: 'maxHandoffs does not apply to a wait step' },
    ]],
  ])('%s', (_name, step, problems) => {
    expect(problemsOf(step)).toEqual(problems);
  });

  test('is known though no worker registered it, as a step and as a hand-off target', () => {
    const result = validate({ name: 'w', steps: [{ id: 'a', agent: 'echo', handoffs: ['wait'] }, { id: 'b', agent: 'wait', input: { signal: 'go' } }] }, { knownAgents: new Set(['echo']) });
    expect(result.ok).toBe(true);
  });
});

describe('parseWaitInput', () => {
  test.each<[string, unknown, ReturnType<typeof parseWaitInput>]>([
    ['a signal', { signal: 'go' }, { input: { signal: 'go' } }],
    ['a signal and a timeout', { signal: 'go', timeoutMs: 10 }, { input: { signal: 'go', timeoutMs: 10 } }],
    ['the state of an agent that handed off', { signal: 'go', state: { task: 't1' } }, { input: { signal: 'go', state: { task: 't1' } } }],
    ['a state that is no object', { signal: 'go', state: 't1' }, { problem: 'state must be an object' }],
    ['not an object', 'go', { problem: 'a wait step\'s input must be an object { signal, timeoutMs? }' }],
    ['null', null, { problem: 'a wait step\'s input must be an object { signal, timeoutMs? }' }],
    ['unknown fields', { signal: 'go', note: 1, why: 2 }, { problem: 'unknown input field note, why (a wait takes { signal, timeoutMs? })' }],
    ['a bad signal', { signal: '' }, { problem: 'signal must match [A-Za-z0-9][A-Za-z0-9._:-]{0,127}' }],
    ['a fractional timeout', { signal: 'go', timeoutMs: 1.5 }, { problem: `timeoutMs must be an integer from 1 to ${MAX_WAIT_MS}` }],
    ['a timeout too long', { signal: 'go', timeoutMs: MAX_WAIT_MS + 1 }, { problem: `timeoutMs must be an integer from 1 to ${MAX_WAIT_MS}` }],
  ])('%s', (_name, value, parsed) => {
    expect(parseWaitInput(value)).toEqual(parsed);
  });
});

test('literalSignal is the name as written, undefined when computed', () => {
  expect(literalSignal({ signal: 'go' })).toBe('go');
  expect(literalSignal({ signal: 'go-{{ $index }}' })).toBeUndefined();
  expect(literalSignal('{{ $input.wait }}')).toBeUndefined();
});

test('a signal name is what a URL path segment carries plainly', () => {
  expect(['approve', 'order-7:ok', 'v1.2_x'].every((name) => SIGNAL_NAME.test(name))).toBe(true);
  expect(['', '-x', '__proto__', 'a/b', 'x'.repeat(129)].some((name) => SIGNAL_NAME.test(name))).toBe(false);
});
