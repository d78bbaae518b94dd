import { TaskState } from '@a2a-js/sdk';
import type { RunView } from '@baton/runtime';
import { dataPart, inputOf, taskOf, textPart } from './task-of-run';

const run = (over: Partial<RunView>): RunView => ({ id: 'r1', status: 'running', workflow: 'w', template: 'w', version: 2, input: {}, createdAt: '2026-01-01T00:00:00.000Z', steps: [], ...over });

describe('taskOf', () => {
  it.each<[string, Partial<RunView>, TaskState]>([
    ['queued', { status: 'queued' }, TaskState.TASK_STATE_SUBMITTED],
    ['running', { status: 'running' }, TaskState.TASK_STATE_WORKING],
    ['succeeded', { status: 'succeeded', output: { n: 1 } }, TaskState.TASK_STATE_COMPLETED],
    ['failed', { status: 'failed', error: { code: 'AGENT_ERROR', message: 'boom' } }, TaskState.TASK_STATE_FAILED],
    ['cancelled', { status: 'cancelled', error: { code: 'CANCELLED', message: 'run cancelled' } }, TaskState.TASK_STATE_CANCELED],
    ['waiting for a signal', { status: 'running', steps: [{ id: 'ok', key: 'ok', status: 'waiting', attempts: 1, waitingForSignal: { signal: 'approve' } }] }, TaskState.TASK_STATE_INPUT_REQUIRED],
  ])('maps a run %s', (_name, over, state) => {
    expect(taskOf(run(over)).status?.state).toBe(state);
  });

  it('carries the output as the data part of its artifact, the id as task and context, the template as metadata', () => {
    const task = taskOf(run({ status: 'succeeded', output: { n: 1 }, finishedAt: '2026-01-01T00:00:01.000Z' }));
    expect(task).toMatchObject({ id: 'r1', contextId: 'r1', artifacts: [{ artifactId: 'output', parts: [dataPart({ n: 1 })] }], metadata: { template: 'w', version: 2, status: 'succeeded' } });
    expect(task.status?.timestamp).toBe('2026-01-01T00:00:01.000Z');
    expect(taskOf(run({ status: 'succeeded' })).artifacts[0]!.parts).toEqual([dataPart(null)]);
  });

  it('says which signal a waiting run waits for, and why a run failed', () => {
    const waiting = taskOf(run({ steps: [{ id: 'ok', key: 'ok', status: 'waiting', attempts: 1, waitingForSignal: { signal: 'approve' } }] }));
    expect(waiting.status?.message?.parts).toEqual([textPart('waiting for signal approve: the next message\'s content is its payload'), dataPart({ waitingFor: [{ step: 'ok', signal: 'approve' }] })]);
    const failed = taskOf(run({ status: 'failed', error: { code: 'AGENT_ERROR', message: 'boom' } }));
    expect(failed.status?.message?.parts[0]).toEqual(textPart('boom'));
    expect(taskOf(run({ status: 'failed', error: { code: 'X' } })).status?.message?.parts[0]).toEqual(textPart('the run failed'));
  });
});

describe('inputOf', () => {
  it.each<[string, Parameters<typeof inputOf>[0], unknown]>([
    ['the first data part', [dataPart({ a: 1 }), dataPart({ b: 2 })], { a: 1 }],
    ['text parts joined into text', [textPart('hello'), dataPart({ a: 1 }), textPart('there')], { a: 1, text: 'hello\nthere' }],
    ['text alone', [textPart('blue')], { text: 'blue' }],
    ['a data part that is no object, as it is', [dataPart('blue'), textPart('ignored')], 'blue'],
    ['nothing', [], {}],
  ])('%s', (_name, parts, input) => {
    expect(inputOf(parts)).toEqual(input);
  });
});
