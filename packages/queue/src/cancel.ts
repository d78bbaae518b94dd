import type { Redis } from 'ioredis';
import { subscribeChannel } from './subscribe-channel';

/** Which attempt to abort. */
export interface CancelMessage {
  runId: string;
  key: string;
  attempt: number;
}

export interface CancelSubscription {
  /** Unsubscribes and closes the subscriber connection. Idempotent. */
  close(): Promise<void>;
}

export interface SubscribeCancelOptions {
  /** Called with a malformed message, a handler that threw, or a subscriber connection error. */
  onError?: (error: Error) => void;
}

/** The pub/sub channel cancellations travel on. */
export function cancelChannel(prefix: string): string {
  return `${prefix}:cancel`;
}

/**
 * Tells every subscribed worker to abort an attempt. Pub/sub is fire-and-forget: a worker that is
 * disconnected at that moment misses it, so the run's state in Postgres stays the authority (a
 * result for a cancelled step is ignored) and this only saves work.
 * @returns how many subscribers received it.
 */
export async function publishCancel(redis: Redis, prefix: string, message: CancelMessage): Promise<number> {
  const { runId, key, attempt } = message;
  return redis.publish(cancelChannel(prefix), JSON.stringify({ runId, key, attempt }));
}

function parseCancel(raw: string): CancelMessage | undefined {
  try {
    const value: unknown = JSON.parse(raw);
    if (typeof value !== 'object' || value === null) return undefined;
    const { runId, key, attempt } = value as Record<string, unknown>;
    if (typeof runId !== 'string' || typeof key !== 'string' || typeof attempt !== 'number') return undefined;
    return { runId, key, attempt };
  } catch {
    return undefined;
  }
}

/**
 * Calls `handler` for every cancellation published under `prefix`, on a connection of its own
 * ({@link subscribeChannel}: reconnecting forever, subscribing again after a reconnect) that
 * `close()` closes. Resolves once subscribed.
 */
export async function subscribeCancel(
  redis: Redis,
  prefix: string,
  handler: (message: CancelMessage) => void | Promise<void>,
  options: SubscribeCancelOptions = {},
): Promise<CancelSubscription> {
  const onError = options.onError ?? (() => undefined);
  const subscription = subscribeChannel(redis, {
    channel: cancelChannel(prefix),
    onError,
    onMessage: (raw) => {
      const message = parseCancel(raw);
      if (!message) return onError(new Error(`malformed cancel message: ${raw.slice(0, 200)}`));
      Promise.resolve()
        .then(() => handler(message))
        .catch((error: unknown) => onError(error instanceof Error ? error : new Error(String(error))));
    },
  });
  try {
    await subscription.subscribed;
  } catch (error) {
    await subscription.close();
    throw error;
  }
  return { close: () => subscription.close() };
}
