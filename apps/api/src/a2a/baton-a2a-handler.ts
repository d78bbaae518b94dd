import type { AgentCard, CancelTaskRequest, GetTaskRequest, ListTasksResponse, Message, SendMessageRequest, StreamResponse, SubscribeToTaskRequest, Task, TaskPushNotificationConfig } from '@a2a-js/sdk';
import { A2AError, PushNotificationNotSupportedError, RequestMalformedError, TaskNotCancelableError, TaskNotFoundError, UnsupportedOperationError } from '@a2a-js/sdk/errors';
import type { A2ARequestHandler, ServerCallContext } from '@a2a-js/sdk/server';
import type { Principal } from '@baton/auth';
import { BatonError, type Logger } from '@baton/core';
import { cancelRun, getRun, signalRun, submitRun, type RunView, type UseCaseDeps } from '@baton/runtime';
import type { RunEventHub } from '../run-event-hub';
import { followRun } from './follow-run';
import { inputOf, isSettled, outputArtifact, stateOf, taskOf, waitingSignals } from './task-of-run';

/** Who calls, about which template: what the route puts in the call's context. */
export interface A2aCall {
  principal: Principal;
  template: string;
  /** Aborted when the client goes away. */
  signal: AbortSignal;
  requestId?: string;
  traceparent?: string;
}

/** The key of the {@link A2aCall} in a `ServerCallContext`'s state. */
export const A2A_CALL = 'baton.a2aCall';

export interface BatonA2aHandlerDeps {
  cases: UseCaseDeps;
  hub?: RunEventHub;
  logger: Logger;
}

const callOf = (context: ServerCallContext): A2aCall => context.state.get(A2A_CALL) as A2aCall;

/** Baton's errors as A2A's: a run is a task, a refused signal a message the task does not take. */
function a2aError(error: unknown, logger: Logger): unknown {
  if (error instanceof A2AError) return error;
  if (!(error instanceof BatonError)) {
    logger.error('a2a request failed', { error: String(error) });
    return new A2AError('internal error');
  }
  const details = error.details?.map((d) => `${d.path}: ${d.message}`).join('; ');
  const message = details ? `${error.message} (${details})` : error.message;
  switch (error.code) {
    case 'RUN_NOT_FOUND':
      return new TaskNotFoundError(message);
    case 'RUN_FINISHED':
      return new TaskNotCancelableError(message);
    case 'SIGNAL_NOT_FOUND':
      return new UnsupportedOperationError(message);
    case 'VALIDATION_FAILED':
    case 'IDEMPOTENCY_CONFLICT':
      return new RequestMalformedError({ message, metadata: { code: error.code } });
    default:
      return new A2AError({ message, metadata: { code: error.code } });
  }
}

/**
 * Every template as an A2A agent (API.md "Agent2Agent"), behind the SDK's JSON-RPC transport: a
 * message starts a run of the template through the same use case as `POST /v1/runs` (its
 * `messageId` the idempotency key), or, sent to a task that asks for input, is the signal its
 * waiting step waits for; a task is a run read from Postgres, so any api instance answers for it;
 * its stream is the run's events through the api's run event hub.
 */
export class BatonA2aHandler implements A2ARequestHandler {
  constructor(private readonly deps: BatonA2aHandlerDeps) {}

  private async guarded<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      throw a2aError(error, this.deps.logger);
    }
  }

  /** The run of the call's template with this id; another template's run is no task of this agent. */
  private async view(call: A2aCall, id: string): Promise<RunView> {
    if (!id) throw new RequestMalformedError('a task id is required');
    const view = await getRun(this.deps.cases, call.principal, { id });
    if (view.template !== call.template) throw new TaskNotFoundError(`Task not found: ${id}`);
    return view;
  }

  /** Starts a run, or answers the task that asks for input; the task's id. */
  private async deliver(call: A2aCall, message: Message | undefined): Promise<string> {
    if (!message?.messageId) throw new RequestMalformedError('a message with a messageId is required');
    const input = inputOf(message.parts);
    if (!message.taskId) {
      const run = await submitRun(this.deps.cases, call.principal, {
        template: call.template, input, idempotencyKey: message.messageId, requestId: call.requestId, traceparent: call.traceparent,
      });
      return run.id;
    }
    const view = await this.view(call, message.taskId);
    const named = message.metadata?.signal;
    const signal = typeof named === 'string' ? named : waitingSignals(view)[0]?.signal;
    if (signal === undefined) throw new UnsupportedOperationError(`task ${view.id} does not ask for input: its run is ${view.status}`);
    await signalRun(this.deps.cases, call.principal, { id: view.id, name: signal, payload: input });
    return view.id;
  }

  private follow(call: A2aCall, id: string): AsyncGenerator<RunView> {
    const { hub } = this.deps;
    if (!hub) throw new UnsupportedOperationError('live run events are not configured on this api');
    const read = () => this.view(call, id);
    return followRun({ hub, queries: this.deps.cases.queries, tenant: call.principal.tenant, id, read, signal: call.signal });
  }

  /** The task, then its state's changes (the output as an artifact before the final state), until it ends or asks for input. */
  private async *events(call: A2aCall, id: string): AsyncGenerator<StreamResponse> {
    let last: Task | undefined;
    for await (const view of this.follow(call, id)) {
      const task = taskOf(view);
      if (last === undefined) {
        yield { payload: { $case: 'task', value: task } };
      } else if (task.status?.state !== last.status?.state) {
        if (view.status === 'succeeded') yield { payload: { $case: 'artifactUpdate', value: { taskId: id, contextId: id, artifact: outputArtifact(view), append: false, lastChunk: true, metadata: undefined } } };
        yield { payload: { $case: 'statusUpdate', value: { taskId: id, contextId: id, status: task.status, metadata: undefined } } };
      }
      last = task;
    }
  }

  async sendMessage(params: SendMessageRequest, context: ServerCallContext): Promise<Task> {
    const call = callOf(context);
    return this.guarded(async () => {
      const id = await this.deliver(call, params.message);
      if (params.configuration?.returnImmediately) return taskOf(await this.view(call, id));
      let view: RunView | undefined;
      for await (view of this.follow(call, id)) if (isSettled(stateOf(view))) break;
      return taskOf(view ?? await this.view(call, id));
    });
  }

  async *sendMessageStream(params: SendMessageRequest, context: ServerCallContext): AsyncGenerator<StreamResponse> {
    const call = callOf(context);
    const id = await this.guarded(() => this.deliver(call, params.message));
    yield* this.guardedStream(this.events(call, id));
  }

  async *resubscribe(params: SubscribeToTaskRequest, context: ServerCallContext): AsyncGenerator<StreamResponse> {
    const call = callOf(context);
    const view = await this.guarded(() => this.view(call, params.id));
    if (['succeeded', 'failed', 'cancelled'].includes(view.status)) throw new UnsupportedOperationError(`task ${view.id} has ended: its run is ${view.status}`);
    yield* this.guardedStream(this.events(call, view.id));
  }

  private async *guardedStream(events: AsyncGenerator<StreamResponse>): AsyncGenerator<StreamResponse> {
    try {
      yield* events;
    } catch (error) {
      throw a2aError(error, this.deps.logger);
    }
  }

  async getTask(params: GetTaskRequest, context: ServerCallContext): Promise<Task> {
    return this.guarded(async () => taskOf(await this.view(callOf(context), params.id)));
  }

  async cancelTask(params: CancelTaskRequest, context: ServerCallContext): Promise<Task> {
    const call = callOf(context);
    return this.guarded(async () => {
      const view = await this.view(call, params.id);
      if (view.status !== 'cancelled') await cancelRun(this.deps.cases, call.principal, { id: view.id });
      return taskOf(await this.view(call, view.id));
    });
  }

  async listTasks(): Promise<ListTasksResponse> {
    throw new UnsupportedOperationError('listing tasks is not supported: GET /v1/runs?template=<name> lists a template\'s runs');
  }

  async getAgentCard(): Promise<AgentCard> {
    throw new UnsupportedOperationError('the card is at GET /a2a/<template>/.well-known/agent-card.json');
  }

  async getAuthenticatedExtendedAgentCard(): Promise<AgentCard> {
    throw new UnsupportedOperationError('no extended agent card');
  }

  async createTaskPushNotificationConfig(): Promise<TaskPushNotificationConfig> {
    throw new PushNotificationNotSupportedError();
  }

  async getTaskPushNotificationConfig(): Promise<TaskPushNotificationConfig> {
    throw new PushNotificationNotSupportedError();
  }

  async listTaskPushNotificationConfigs(): Promise<{ configs: TaskPushNotificationConfig[]; nextPageToken: string }> {
    throw new PushNotificationNotSupportedError();
  }

  async deleteTaskPushNotificationConfig(): Promise<void> {
    throw new PushNotificationNotSupportedError();
  }
}
