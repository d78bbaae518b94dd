import type { Redis } from 'ioredis';
import { BatonError } from '@baton/core';
import { within, type KeyRevocations } from '@baton/runtime';
import type { Logger } from '@baton/telemetry';
import { openInvalidationChannel } from './invalidation-channel';

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
 * Subscribes to deletions of API keys (an {@link openInvalidationChannel}): the key cache is
 * served only while every deletion made elsewhere is heard.
 */
export async function openKeyRevocationChannel({ redis, prefix, forget, logger, waitMs }: KeyRevocationChannelOptions): Promise<KeyRevocationChannel> {
  const channel = await openInvalidationChannel({ redis, channel: `${prefix}:api-keys:revoked`, what: 'API key deletions', forget, logger, waitMs });
  return {
    live: () => channel.live(),
    async revoked(id) {
      try {
        // Bounded: a hung Redis must not hold the admin's DELETE.
        await within(channel.publish(id), PUBLISH_TIMEOUT_MS, () => {
          throw new Error('no answer from Redis');
        });
      } catch (err) {
        logger.error('could not tell the other api instances that an API key was deleted; they refuse it once their cached copy expires', { keyId: id, error: String(err) });
        throw new BatonError('UNAVAILABLE', 'the API key is deleted, but Redis did not take the news to the other api instances: they may accept it from their cache for up to 30 s', [{ path: 'redis', message: String(err) }]);
      }
    },
    close: () => channel.close(),
  };
}
