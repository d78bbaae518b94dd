import type { Redis } from 'ioredis';
import { BatonError } from '@baton/core';
import type { KeyRevocations } from '@baton/runtime';
import type { Logger } from '@baton/telemetry';

/** How long a deletion waits for Redis to take its publish. */
const PUBLISH_TIMEOUT_MS = 1000;

/** The Redis pub/sub channel of deleted keys, shared by every api instance of a deployment. */
export interface KeyRevocationChannel extends KeyRevocations {
  /**
   * True while this instance is subscribed, so it hears every deletion made elsewhere: only then
   * may it serve keys from its cache. False while Redis is unreachable (fail closed).
   */
  live(): boolean;
  /** Unsubscribes and closes the subscriber connection. Idempotent. */
  close(): Promise<void>;
}

export interface KeyRevocationChannelOptions {
  /** The api's client connection: publishes go through it; the subscriber is a duplicate of it. */
  redis: Redis;
  /** `BATON_QUEUE_PREFIX`: deployments sharing a Redis do not hear each other. */
  prefix: string;
  /** Forget a key (deleted here or elsewhere), or every key (undefined: deletions may have gone unheard). */
  forget: (id?: string) => void;
  logger: Logger;
  /** How long opening waits for the first subscription before going on not live. @defaultValue 5000 */
  waitMs?: number;
}

/**
 * Subscribes to deletions of API keys. Every time the subscriber connection drops, the whole
 * cache is forgotten and stays unused until the subscription is back: a deletion published
 * meanwhile cannot be missed by a cache that is still served.
 */
export async function openKeyRevocationChannel({ redis, prefix, forget, logger, waitMs = 5000 }: KeyRevocationChannelOptions): Promise<KeyRevocationChannel> {
  const channel = `${prefix}:api-keys:revoked`;
  // Subscribing again after a reconnect is done here, so that `live` turns true only once it is.
  const subscriber = redis.duplicate({ connectionName: 'baton-api-key-revocations', enableOfflineQueue: true, maxRetriesPerRequest: null, autoResubscribe: false });
  let live = false;
  let closed = false;
  const down = () => {
    live = false;
    forget();
  };
  subscriber.on('error', () => undefined); // the client connection's handler reports outages
  subscriber.on('close', down);
  subscriber.on('reconnecting', down);
  subscriber.on('message', (from: string, id: string) => {
    if (from === channel) forget(id);
  });
  const subscribed = new Promise<void>((resolve) => {
    const subscribe = () => {
      subscriber.subscribe(channel).then(() => {
        forget(); // whatever was cached before the subscription may have missed a deletion
        live = true;
        resolve();
      }, (err: unknown) => logger.warn('could not subscribe to API key deletions', { error: String(err) }));
    };
    subscriber.on('ready', subscribe);
    if (subscriber.status === 'ready') subscribe();
  });
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([subscribed, new Promise<void>((resolve) => (timer = setTimeout(resolve, waitMs)))]);
  clearTimeout(timer);
  if (!live) logger.warn('not subscribed to API key deletions yet: every API key is read from Postgres until it is');

  return {
    live: () => live && !closed,
    async revoked(id) {
      forget(id);
      let timer: NodeJS.Timeout | undefined;
      try {
        // Bounded: a hung Redis must not hold the admin's DELETE.
        await Promise.race([redis.publish(channel, id), new Promise((_, reject) => (timer = setTimeout(() => reject(new Error('no answer from Redis')), PUBLISH_TIMEOUT_MS)))]);
      } catch (err) {
        logger.error('could not tell the other api instances that an API key was deleted; they refuse it once their cached copy expires', { keyId: id, error: String(err) });
        throw new BatonError('UNAVAILABLE', 'the API key is deleted, but Redis did not take the news to the other api instances: they may accept it from their cache for up to 30 s', [{ path: 'redis', message: String(err) }]);
      } finally {
        clearTimeout(timer);
      }
    },
    async close() {
      if (closed) return;
      closed = true;
      await subscriber.quit().catch(() => subscriber.disconnect());
    },
  };
}
