import type { Redis } from 'ioredis';
import { subscribeChannel } from '@baton/queue';
import { within } from '@baton/runtime';
import type { Logger } from '@baton/telemetry';

/**
 * A Redis pub/sub channel that tells every api instance of a deployment to forget what it cached.
 * A cache may be served only while {@link InvalidationChannel.live}: whenever the subscriber
 * connection drops, everything is forgotten and stays unused until the subscription is back, so a
 * message published meanwhile can never be missed by a cache still in use (fail closed).
 */
export interface InvalidationChannel {
  /** True while subscribed, so that every message published elsewhere is heard. */
  live(): boolean;
  /** Forgets `message` here, then tells the other instances. @throws when Redis does not take it */
  publish(message: string): Promise<void>;
  /** Unsubscribes and closes the subscriber connection. Idempotent. */
  close(): Promise<void>;
}

export interface InvalidationChannelOptions {
  /** The api's client connection: publishes go through it; the subscriber is a duplicate of it. */
  redis: Redis;
  /** The Redis channel, under `BATON_QUEUE_PREFIX` so that deployments sharing a Redis do not hear each other. */
  channel: string;
  /** What is cached, for connection names and log lines: `API key deletions`, `template changes`. */
  what: string;
  /** Forget what one message names, or everything (undefined: messages may have gone unheard). */
  forget: (message?: string) => void;
  logger: Logger;
  /** How long opening waits for the first subscription before going on not live. @defaultValue 5000 */
  waitMs?: number;
}

export async function openInvalidationChannel({ redis, channel, what, forget, logger, waitMs = 5000 }: InvalidationChannelOptions): Promise<InvalidationChannel> {
  const subscription = subscribeChannel(redis, {
    channel,
    connectionName: `baton-${what.replace(/\W+/g, '-')}`,
    onMessage: (message) => forget(message),
    // Whatever was cached before a subscription may have missed a message; so may all that is cached when it drops.
    onSubscribed: () => forget(),
    onDown: () => forget(),
    onError: () => undefined, // the client connection's handler reports outages
  });
  await within(subscription.subscribed, waitMs, () => undefined).catch((err: unknown) => logger.warn(`could not subscribe to ${what}`, { error: String(err) }));
  if (!subscription.live()) logger.warn(`not subscribed to ${what} yet: nothing is served from that cache until it is`);

  return {
    live: () => subscription.live(),
    async publish(message) {
      forget(message);
      await redis.publish(channel, message);
    },
    close: () => subscription.close(),
  };
}
