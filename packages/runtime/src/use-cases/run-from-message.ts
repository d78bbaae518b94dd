import { createHash } from 'node:crypto';
import type { Principal } from '@baton/auth';
import { BatonError, httpStatusOf } from '@baton/core';
import { postEvent, type EventDeps } from './post-event';
import { submitRun } from './submit-run';
import type { UseCaseDeps } from './use-case-deps';

/** What a message of a queue or subject starts: an event's templates, or one template. */
export interface MessageTrigger {
  /** Names the trigger in logs, in the runs' `submittedBy` (`trigger:<name>`) and in their idempotency keys. */
  name: string;
  /** The tenant whose templates start, as a submitter of it. */
  tenant: string;
  /** Starts every template of the tenant whose `on` lists this type (as `POST /v1/events`) ... */
  event?: string;
  /** ... or this template (its latest version, or `version`). */
  template?: string;
  version?: number;
  /** An agent allow-list for the runs, as an API key's. Absent: every agent. */
  agents?: string[];
}

/** A message as the bus delivered it. */
export interface TriggerMessage {
  /** The broker's or the publisher's id, the same on every redelivery; without one, redeliveries are not recognised. */
  id?: string;
  body: Uint8Array;
}

/** The JSON bytes one message may hold (the api's default request body limit). */
export const MAX_MESSAGE_BYTES = 1024 * 1024;

// Long ids are hashed: an idempotency key has a bounded length.
const MAX_PLAIN_ID = 128;

/**
 * The idempotency key of a message's runs: `trigger:<name>:<id>`, so a message delivered again
 * (its consumer died after the runs were recorded, before the ack) starts nothing new.
 */
export function messageKey(trigger: Pick<MessageTrigger, 'name'>, id: string): string {
  const plain = id.length <= MAX_PLAIN_ID ? id : `sha256:${createHash('sha256').update(id).digest('hex')}`;
  return `trigger:${trigger.name}:${plain}`;
}

/**
 * Starts the runs a message asks for, its JSON body as the payload (the runs' input), and
 * resolves once they are recorded in Postgres: only then may the message be acknowledged.
 * @throws BatonError INVALID_JSON, PAYLOAD_TOO_LARGE, and what `postEvent` or `submitRun` throw;
 * see {@link isPermanent} for which are worth a redelivery.
 */
export async function runFromMessage(deps: EventDeps & Pick<UseCaseDeps, 'agents' | 'runtime' | 'templatePauses'>, trigger: MessageTrigger, message: TriggerMessage): Promise<{ runs: string[] }> {
  if (message.body.byteLength > MAX_MESSAGE_BYTES) {
    throw new BatonError('PAYLOAD_TOO_LARGE', `the message is ${message.body.byteLength} bytes, over the ${MAX_MESSAGE_BYTES}-byte limit`);
  }
  let payload: unknown;
  try {
    payload = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(message.body));
  } catch {
    throw new BatonError('INVALID_JSON', 'the message body is not JSON (UTF-8)');
  }
  const principal: Principal = { tenant: trigger.tenant, role: 'submitter', subject: `trigger:${trigger.name}`, agents: trigger.agents };
  const idempotencyKey = message.id === undefined ? undefined : messageKey(trigger, message.id);
  if (trigger.event !== undefined) return postEvent(deps, principal, { type: trigger.event, payload, idempotencyKey });
  const run = await submitRun(deps, principal, { template: trigger.template, version: trigger.version, input: payload, idempotencyKey });
  return { runs: [run.id] };
}

/**
 * Whether delivering the message again would fail the same way: the message itself is refused
 * (a 4xx of the API: not JSON, an input its templates refuse, an unknown template), as opposed to
 * Postgres or Redis being down, or a bug (worth trying again later).
 */
export function isPermanent(error: unknown): error is BatonError {
  return error instanceof BatonError && httpStatusOf(error.code) < 500;
}
