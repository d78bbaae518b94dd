import type { Redis } from 'ioredis';
import { duplicateRedis } from './create-redis';

export interface SubscribeChannelOptions {
  /** The pub/sub channel, under the deployment's prefix. */
  channel: string;
  /** Called with every message of `channel`; a throw goes to `onError`. */
  onMessage: (message: string) => void;
  /** Called after every (re)subscription: what was published while unsubscribed was missed. */
  onSubscribed?: () => void;
  /** Called when the connection drops (close, reconnecting): from now until `onSubscribed`, messages are missed. */
  onDown?: () => void;
  /** Called with a connection error, a failed re-subscription or a throwing `onMessage`. */
  onError?: (error: Error) => void;
  /** The subscriber connection's name in `CLIENT LIST`. @defaultValue ioredis's (none) */
  connectionName?: string;
}

export interface ChannelSubscription {
  /** Resolves once first subscribed; rejects if that first subscription fails or the subscription is closed before it. */
  readonly subscribed: Promise<void>;
  /** True while subscribed: every message published now is heard. */
  live(): boolean;
  /** Unsubscribes and closes the subscriber connection, connected or not. Idempotent. */
  close(): Promise<void>;
}

const asError = (error: unknown): Error => (error instanceof Error ? error : new Error(String(error)));

/**
 * Subscribes to one pub/sub channel on a connection of its own (`redis.duplicate()`: a subscribed
 * connection can do nothing else), reconnecting forever and subscribing again on every `ready`, so
 * that `onSubscribed` follows each subscription. Answers at once: a Redis that is down delays
 * `subscribed`, never the caller.
 */
export function subscribeChannel(redis: Redis, options: SubscribeChannelOptions): ChannelSubscription {
  const { channel, onMessage, onSubscribed, onDown, onError = () => undefined, connectionName } = options;
  // ioredis's own resubscription is off: subscribing again is done here, so `live` follows it.
  const subscriber = duplicateRedis(redis, { ...(connectionName ? { connectionName } : {}), enableOfflineQueue: true, maxRetriesPerRequest: null, autoResubscribe: false });
  let live = false;
  let closed = false;
  let first: { resolve: () => void; reject: (error: Error) => void } | undefined;
  const subscribed = new Promise<void>((resolve, reject) => (first = { resolve, reject }));
  subscribed.catch(() => undefined); // a caller that never awaits it must not see an unhandled rejection
  const settleFirst = (error?: Error) => {
    if (!first) return;
    const { resolve, reject } = first;
    first = undefined;
    if (error) reject(error);
    else resolve();
  };

  const down = () => {
    live = false;
    onDown?.();
  };
  subscriber.on('error', onError);
  subscriber.on('close', down);
  subscriber.on('reconnecting', down);
  subscriber.on('message', (from: string, message: string) => {
    if (from !== channel) return;
    try {
      onMessage(message);
    } catch (error) {
      onError(asError(error));
    }
  });
  const subscribe = () => {
    subscriber.subscribe(channel).then(() => {
      if (closed) return;
      live = true;
      onSubscribed?.();
      settleFirst();
    }, (error: unknown) => {
      if (first) settleFirst(asError(error));
      else if (!closed) onError(asError(error));
    });
  };
  subscriber.on('ready', subscribe);
  if (subscriber.status === 'ready') subscribe();

  let closing: Promise<void> | undefined;
  return {
    subscribed,
    live: () => live && !closed,
    close: () => (closing ??= (async () => {
      closed = true;
      live = false;
      settleFirst(new Error(`closed before subscribing to ${channel}`));
      // QUIT on a connection that is not up waits in the offline queue for a Redis that may never come.
      if (subscriber.status === 'ready') await subscriber.quit().catch(() => subscriber.disconnect());
      else subscriber.disconnect();
    })()),
  };
}
