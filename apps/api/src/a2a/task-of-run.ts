import { Role, TaskState, type Artifact, type Message, type Part, type Task } from '@a2a-js/sdk';
import type { RunView } from '@baton/runtime';

/** A run's task state (API.md "Agent2Agent"): a running run with a step waiting for a signal asks for input. */
export function stateOf(view: RunView): TaskState {
  switch (view.status) {
    case 'queued':
      return TaskState.TASK_STATE_SUBMITTED;
    case 'succeeded':
      return TaskState.TASK_STATE_COMPLETED;
    case 'failed':
      return TaskState.TASK_STATE_FAILED;
    case 'cancelled':
      return TaskState.TASK_STATE_CANCELED;
    default:
      return waitingSignals(view).length > 0 ? TaskState.TASK_STATE_INPUT_REQUIRED : TaskState.TASK_STATE_WORKING;
  }
}

/** The signals the run's waiting steps wait for, in definition order: a reply goes to the first. */
export const waitingSignals = (view: RunView): Array<{ step: string; signal: string }> =>
  view.steps.flatMap((s) => (s.waitingForSignal ? [{ step: s.key, signal: s.waitingForSignal.signal }] : []));

/** No more events come without the client: the run ended, or it waits for input. */
export const isSettled = (state: TaskState): boolean => state !== TaskState.TASK_STATE_SUBMITTED && state !== TaskState.TASK_STATE_WORKING;

export const textPart = (value: string): Part => ({ content: { $case: 'text', value }, metadata: undefined, filename: '', mediaType: 'text/plain' });
export const dataPart = (value: unknown): Part => ({ content: { $case: 'data', value }, metadata: undefined, filename: '', mediaType: 'application/json' });

function agentMessage(view: RunView, state: TaskState, parts: Part[]): Message {
  return { messageId: `${view.id}:${TaskState[state]}`, contextId: view.id, taskId: view.id, role: Role.ROLE_AGENT, parts, metadata: undefined, extensions: [], referenceTaskIds: [] };
}

/** Why the task is in its state, for its client: the signals awaited, or the run's error. */
function statusMessage(view: RunView, state: TaskState): Message | undefined {
  if (state === TaskState.TASK_STATE_INPUT_REQUIRED) {
    const waiting = waitingSignals(view);
    const names = waiting.map((w) => w.signal).join(', ');
    return agentMessage(view, state, [textPart(`waiting for signal ${names}: the next message's content is its payload`), dataPart({ waitingFor: waiting })]);
  }
  if (view.error !== undefined) {
    const error = view.error as { message?: unknown };
    return agentMessage(view, state, [textPart(typeof error.message === 'string' ? error.message : 'the run failed'), dataPart(view.error)]);
  }
  return undefined;
}

/** The run's output, as the data part of the task's one artifact. */
export function outputArtifact(view: RunView): Artifact {
  return { artifactId: 'output', name: 'output', description: 'the run\'s output', parts: [dataPart(view.output ?? null)], metadata: undefined, extensions: [] };
}

/** The task a run is: its id is the run's id (and so is its context's), its artifact the run's output once it succeeded. */
export function taskOf(view: RunView): Task {
  const state = stateOf(view);
  return {
    id: view.id,
    contextId: view.id,
    status: { state, message: statusMessage(view, state), timestamp: view.finishedAt ?? view.startedAt ?? view.createdAt },
    artifacts: view.status === 'succeeded' ? [outputArtifact(view)] : [],
    history: [],
    metadata: { status: view.status, ...(view.template === undefined ? {} : { template: view.template, version: view.version }) },
  };
}

const isObject = (value: unknown): value is Record<string, unknown> => value !== null && typeof value === 'object' && !Array.isArray(value);

/**
 * A message's content as a run's input (or a signal's payload): its first data part, with its text
 * parts joined (by newlines) into `text` when that is an object; text alone is `{ text }`.
 */
export function inputOf(parts: readonly Part[]): unknown {
  const data = parts.find((p) => p.content?.$case === 'data')?.content?.value as unknown;
  const texts = parts.flatMap((p) => (p.content?.$case === 'text' ? [p.content.value] : []));
  const input = data === undefined ? {} : data;
  return texts.length > 0 && isObject(input) ? { ...input, text: texts.join('\n') } : input;
}
