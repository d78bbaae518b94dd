import type { Redis } from 'ioredis';
import { subscribeChannel } from './subscribe-channel';

/** A run whose events are committed up to `seq`. */
export interface RunEventMark {
  runId: string;
  seq: number;
}

export interface RunEventsSubscription {
  /** Resolves once first subscribed; rejects if that first subscription fails (the connection was closed). */
  subscribed: Promise<void>;
  /** Unsubscribes and closes the subscriber connection, connected or not. Idempotent. */
  close(): Promise<void>;
}

export interface SubscribeRunEventsOptions {
  /** Called after every (re)subscription: marks published while unsubscribed were missed. */
  onSubscribed?: () => void;
  /** Called with a malformed message or a subscriber connection error. */
  onError?: (error: Error) => void;
  /** The subscriber connection's name in `CLIENT LIST`. @defaultValue 'baton-run-events' */
  connectionName?: string;
}

/** The pub/sub channel of committed run events under `prefix`. */
export function runEventsChannel(prefix: string): string {
  return `${prefix}:run-events`;
}

/**
 * Tells every subscribed api that these runs have new events, in one message for a whole committed
 * batch: the events themselves stay in Postgres, which the subscribers read. Fire-and-forget, like
 * every pub/sub: a subscriber that misses one catches up at its next read.
 */
export async function publishRunEvents(redis: Redis, prefix: string, marks: readonly RunEventMark[]): Promise<void> {
  if (marks.length === 0) return;
  // [[runId, seq], ...]: the smallest message that says it.
  await redis.publish(runEventsChannel(prefix), JSON.stringify(marks.map((m) => [m.runId, m.seq])));
}

function parseMarks(raw: string): RunEventMark[] | undefined {
  try {
    const value: unknown = JSON.parse(raw);
    if (!Array.isArray(value)) return undefined;
    const marks: RunEventMark[] = [];
    for (const entry of value) {
      if (!Array.isArray(entry) || typeof entry[0] !== 'string' || !Number.isInteger(entry[1])) return undefined;
      marks.push({ runId: entry[0], seq: entry[1] as number });
    }
    return marks;
  } catch {
    return undefined;
  }
}

/**
 * Calls `handler` with the marks of every batch published under `prefix`, on ONE connection of its
 * own ({@link subscribeChannel}: reconnecting forever and subscribing again after a reconnect; a
 * process opens one and fans out in memory). Answers at once: a Redis that is down delays `subscribed`, never the caller.
 */
export function subscribeRunEvents(
  redis: Redis,
  prefix: string,
  handler: (marks: RunEventMark[]) => void,
  options: SubscribeRunEventsOptions = {},
): RunEventsSubscription {
  const onError = options.onError ?? (() => undefined);
  const subscription = subscribeChannel(redis, {
    channel: runEventsChannel(prefix),
    connectionName: options.connectionName ?? 'baton-run-events',
    onError,
    ...(options.onSubscribed ? { onSubscribed: options.onSubscribed } : {}),
    onMessage: (raw) => {
      const marks = parseMarks(raw);
      if (!marks) return onError(new Error(`malformed run-events message: ${raw.slice(0, 200)}`));
      handler(marks);
    },
  });
  subscription.subscribed.catch(() => subscription.close());
  return { subscribed: subscription.subscribed, close: () => subscription.close() };
}
