import { setTimeout as sleep } from 'node:timers/promises';
import { Message, TaskState, type Task } from '@a2a-js/sdk';
import { ClientFactory, ClientFactoryOptions, DefaultAgentCardResolver, JsonRpcTransportFactory, RestTransportFactory, type Client } from '@a2a-js/sdk/client';
import { Agent as Dispatcher } from 'undici';
import { z } from 'zod';
import { defineAgent, NonRetryableError } from '@baton/agent-sdk';
import { SIGNAL_NAME, WAIT_AGENT } from '@baton/workflow';
import { AddressPolicy } from '../http/address-policy';
import { guardedLookup } from '../http/http';
import { remoteFetch, type CallRecord } from './remote-fetch';
import { applyEvent, applyTask, isSettled, outputOf, partsOf, type FollowedTask } from './task-result';

const Config = z.object({
  /** CIDRs, addresses and host names let through the SSRF guard: the `http` agent's (`BATON_HTTP_ALLOW`). */
  allow: z.array(z.string()).default([]),
  /** How often a task is polled when its agent does not stream, unless the step says. */
  pollMs: z.number().int().min(10).max(60_000).default(1000),
});

const Input = z.object({
  /** The remote agent's base URL (its card at `<url>/.well-known/agent-card.json`), or its card's URL (ending in `.json`). */
  url: z.string().min(1),
  /** A string is sent as a text part, any other value as a data part. */
  message: z.unknown().refine((value) => value !== undefined, 'a message is required'),
  /** Sent with every request to the url's origin (credentials from `$secrets`), to no other. */
  headers: z.record(z.string(), z.string()).default({}),
  /** The signal that answers the remote agent when it asks for input. @defaultValue the step's id (`<id>.<index>` in a forEach) */
  signal: z.string().regex(SIGNAL_NAME, 'must match [A-Za-z0-9][A-Za-z0-9._:-]{0,127}').optional(),
  pollMs: z.number().int().min(10).max(60_000).optional(),
  /** Set by the engine when the step comes back from its wait: the signal's payload goes to the same task. */
  resume: z.object({ signal: z.string(), payload: z.unknown(), state: z.object({ taskId: z.string().min(1), contextId: z.string() }) }).optional(),
});

interface Deps {
  dispatcher: Dispatcher;
  policy: AddressPolicy;
  pollMs: number;
}

const clip = (text: string, max = 300): string => (text.length > max ? `${text.slice(0, max)}…` : text);

/** How a call that threw counts: the guard's refusal as it is, transport errors and 5xx retried, anything else not. */
function failure(error: unknown, record: CallRecord, origin: string, doing: string, signal: AbortSignal): Error {
  if (NonRetryableError.is(error)) return error;
  if (record.refusal) return record.refusal;
  // The step's timeout or its run's cancellation: the worker says which.
  if (signal.aborted) return error as Error;
  // The origin only: a path or query may carry a token, and the SDK's messages quote response bodies.
  if (record.unreachable) return new Error(`${origin} could not be reached while ${doing}: ${clip((error as Error).message)}`, { cause: error });
  const status = record.status;
  if (status !== undefined && status >= 500) return new Error(`${origin} answered ${status} while ${doing}`);
  if (status !== undefined && status >= 300) return new NonRetryableError(`${origin} answered ${status} while ${doing}`, { code: 'A2A_STATUS' });
  return new NonRetryableError(`${origin} refused ${doing}: ${clip((error as Error).message)}`, { code: 'A2A_ERROR', cause: error });
}

/** The card's URL for the step's `url`. */
function cardUrl(text: string): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new NonRetryableError('invalid URL');
  }
  if (!url.pathname.endsWith('.json')) url.pathname = `${url.pathname.replace(/\/+$/, '')}/.well-known/agent-card.json`;
  return url;
}

/** The default signal: the step's id, with a forEach item's index after a dot (`ask`, `ask.3`). */
const signalOf = (key: string): string => key.split('>')[0]!.replace(/\[(\d+)\]/g, '.$1');

const ENDED: Partial<Record<TaskState, { code: string; what: string }>> = {
  [TaskState.TASK_STATE_FAILED]: { code: 'A2A_TASK_FAILED', what: 'failed' },
  [TaskState.TASK_STATE_CANCELED]: { code: 'A2A_TASK_CANCELED', what: 'was canceled' },
  [TaskState.TASK_STATE_REJECTED]: { code: 'A2A_TASK_REJECTED', what: 'was rejected' },
  [TaskState.TASK_STATE_AUTH_REQUIRED]: { code: 'A2A_AUTH_REQUIRED', what: 'asks for authentication (auth-required), which a step cannot give' },
};

/**
 * Sends a message to a remote Agent2Agent agent (through `@a2a-js/sdk`'s client) and follows the
 * task it starts until it ends: by streaming when the agent's card says it streams, by polling
 * otherwise. Its output is the task's artifacts (`data`, `text`, and each artifact's). A task that
 * asks for input hands the step to `wait` (the step lists `handoffs: [wait]`): the signal's payload
 * is sent to the same task when it comes, and the step goes on following it.
 */
export const a2aAgent = defineAgent({
  name: 'a2a',
  description: 'Sends a message to a remote Agent2Agent agent and returns its result: `{ url, message, headers?, signal?, pollMs? }` → `{ taskId, contextId, data?, text?, artifacts }`.',
  input: Input,
  config: Config,
  setup: (config): Deps => {
    const policy = new AddressPolicy(config.allow);
    return { policy, pollMs: config.pollMs, dispatcher: new Dispatcher({ connect: { lookup: guardedLookup(policy) } }) };
  },
  close: (deps) => deps.dispatcher.close(),
  run: async (input, ctx) => {
    const card = cardUrl(input.url);
    const record: CallRecord = {};
    const fetchImpl = remoteFetch({ dispatcher: ctx.deps.dispatcher, policy: ctx.deps.policy, headers: input.headers, origin: card.origin, record });
    const call = async <T>(doing: string, work: () => Promise<T>): Promise<T> => {
      delete record.status;
      delete record.unreachable;
      delete record.refusal;
      try {
        return await work();
      } catch (error) {
        throw failure(error, record, card.origin, doing, ctx.signal);
      }
    };
    const options = { signal: ctx.signal };
    const factory = new ClientFactory(ClientFactoryOptions.createFrom(ClientFactoryOptions.default, {
      transports: [new JsonRpcTransportFactory({ fetchImpl }), new RestTransportFactory({ fetchImpl })],
      cardResolver: new DefaultAgentCardResolver({ fetchImpl }),
    }));
    const client: Client = await call('fetching its agent card', () => factory.createFromUrl(card.href, ''));
    const streams = (await client.getAgentCard(options)).capabilities?.streaming === true;

    const { resume } = input;
    const message = Message.fromJSON({
      // The same for every delivery of one attempt: an agent that dedupes messages (Baton does) sees one.
      messageId: `${ctx.runId}:${ctx.key}:${ctx.attempt}`,
      role: 'ROLE_USER',
      parts: partsOf(resume ? resume.payload : input.message),
      ...(resume ? { taskId: resume.state.taskId, contextId: resume.state.contextId } : {}),
    });
    // Without streaming the answer comes at once and the task is polled: no request held open for as long as the task runs.
    const configuration = streams ? undefined : { returnImmediately: true, acceptedOutputModes: [], taskPushNotificationConfig: undefined };
    const request = { tenant: '', message, configuration, metadata: undefined };
    const followed: FollowedTask = { artifacts: new Map() };
    if (streams) {
      try {
        for await (const event of client.sendMessageStream(request, options)) applyEvent(followed, event);
      } catch (error) {
        // A stream cut once the task is known: polling picks it up.
        if (followed.taskId === undefined) throw failure(error, record, card.origin, 'sending the message', ctx.signal);
        if (NonRetryableError.is(error) || ctx.signal.aborted) throw error;
      }
    } else {
      const answer = await call('sending the message', () => client.sendMessage(request, options));
      if ('messageId' in answer) followed.message = answer;
      else applyTask(followed, answer);
    }
    const pollMs = input.pollMs ?? ctx.deps.pollMs;
    while (!isSettled(followed)) {
      if (followed.taskId === undefined) throw new NonRetryableError(`${card.origin} answered with neither a task nor a message`, { code: 'A2A_ERROR' });
      await sleep(pollMs, undefined, { signal: ctx.signal });
      const id = followed.taskId;
      applyTask(followed, await call('reading its task', (): Promise<Task> => client.getTask({ tenant: '', id, historyLength: 0 }, options)));
    }

    if (followed.state === TaskState.TASK_STATE_INPUT_REQUIRED) {
      const signal = input.signal ?? signalOf(ctx.key);
      if (!SIGNAL_NAME.test(signal)) throw new NonRetryableError(`the remote agent asks for input, and signal ${JSON.stringify(signal)} is no signal name: give the step input.signal`, { code: 'INVALID_INPUT' });
      const state = { taskId: followed.taskId!, contextId: followed.contextId ?? '' };
      return ctx.handoff(WAIT_AGENT, { signal, state }, clip(followed.statusText ?? 'the remote agent asks for input', 500));
    }
    const ended = followed.state === undefined ? undefined : ENDED[followed.state];
    if (ended) {
      const why = followed.statusText === undefined ? '' : `: ${clip(followed.statusText)}`;
      throw new NonRetryableError(`the remote agent's task ${followed.taskId} ${ended.what}${why}`, { code: ended.code });
    }
    return outputOf(followed);
  },
});
