import { TaskState, type Artifact, type Message, type Part, type StreamResponse, type Task } from '@a2a-js/sdk';

/** What the agent has heard of the remote task so far. */
export interface FollowedTask {
  taskId?: string;
  contextId?: string;
  state?: TaskState;
  /** The text of the latest status message (a question, a failure's reason). */
  statusText?: string;
  /** By artifact id, in the order they came. */
  artifacts: Map<string, Artifact>;
  /** The remote answered with a message instead of a task: the result is its parts. */
  message?: Message;
}

/** States after which nothing more comes without the caller: the task ended, or it waits for its client. */
export const SETTLED_STATES: ReadonlySet<TaskState> = new Set([
  TaskState.TASK_STATE_COMPLETED, TaskState.TASK_STATE_FAILED, TaskState.TASK_STATE_CANCELED,
  TaskState.TASK_STATE_REJECTED, TaskState.TASK_STATE_INPUT_REQUIRED, TaskState.TASK_STATE_AUTH_REQUIRED,
]);

export const isSettled = (followed: FollowedTask): boolean => followed.message !== undefined || (followed.state !== undefined && SETTLED_STATES.has(followed.state));

const textOf = (message: Message | undefined): string | undefined => {
  const text = (message?.parts ?? []).flatMap((p) => (p.content?.$case === 'text' ? [p.content.value] : [])).join('\n');
  return text === '' ? undefined : text;
};

/** Folds a whole task (a send's answer, a poll) into what is known. */
export function applyTask(followed: FollowedTask, task: Task): void {
  followed.taskId = task.id;
  followed.contextId = task.contextId;
  if (task.status) {
    followed.state = task.status.state;
    followed.statusText = textOf(task.status.message);
  }
  followed.artifacts = new Map(task.artifacts.map((a) => [a.artifactId, a]));
}

/** Folds one event of a stream into what is known. */
export function applyEvent(followed: FollowedTask, event: StreamResponse): void {
  const payload = event.payload;
  if (payload?.$case === 'task') applyTask(followed, payload.value);
  else if (payload?.$case === 'message') followed.message = payload.value;
  else if (payload?.$case === 'statusUpdate') {
    followed.taskId = payload.value.taskId;
    followed.contextId = payload.value.contextId;
    if (payload.value.status) {
      followed.state = payload.value.status.state;
      followed.statusText = textOf(payload.value.status.message);
    }
  } else if (payload?.$case === 'artifactUpdate' && payload.value.artifact) {
    const artifact = payload.value.artifact;
    const known = followed.artifacts.get(artifact.artifactId);
    followed.artifacts.set(artifact.artifactId, payload.value.append && known ? { ...known, parts: [...known.parts, ...artifact.parts] } : artifact);
  }
}

/** Data parts as JSON (one value, or a list of several), text parts joined by newlines. */
function contentOf(parts: Part[]): { data?: unknown; text?: string } {
  const data = parts.flatMap((p) => (p.content?.$case === 'data' ? [p.content.value as unknown] : []));
  const text = parts.flatMap((p) => (p.content?.$case === 'text' ? [p.content.value] : []));
  return {
    ...(data.length === 0 ? {} : { data: data.length === 1 ? data[0] : data }),
    ...(text.length === 0 ? {} : { text: text.join('\n') }),
  };
}

/** The step's output: the artifacts' content together, and each artifact's own. */
export interface A2aOutput {
  taskId?: string;
  contextId?: string;
  data?: unknown;
  text?: string;
  artifacts: Array<{ name?: string; data?: unknown; text?: string }>;
}

export function outputOf(followed: FollowedTask): A2aOutput {
  if (followed.message) return { ...(followed.message.contextId ? { contextId: followed.message.contextId } : {}), ...contentOf(followed.message.parts), artifacts: [] };
  const artifacts = [...followed.artifacts.values()];
  return {
    taskId: followed.taskId,
    contextId: followed.contextId,
    ...contentOf(artifacts.flatMap((a) => a.parts)),
    artifacts: artifacts.map((a) => ({ ...(a.name ? { name: a.name } : {}), ...contentOf(a.parts) })),
  };
}

/** A value as message parts: a string is a text part, anything else one data part. */
export const partsOf = (value: unknown): unknown[] => (typeof value === 'string' ? [{ text: value }] : [{ data: value ?? null }]);
