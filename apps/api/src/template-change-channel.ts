import type { Redis } from 'ioredis';
import type { Logger } from '@baton/telemetry';
import { openInvalidationChannel } from './invalidation-channel';

/** The Redis pub/sub channel of template changes, shared by every api instance of a deployment. */
export interface TemplateChangeChannel {
  /** True while subscribed: only then may an instance keep a template's latest version between requests. */
  live(): boolean;
  /** Tells every instance (this one included) that `tenant`'s template `name` may have a new latest version. */
  publish(tenant: string, name: string): Promise<void>;
  close(): Promise<void>;
}

export interface TemplateChangeChannelOptions {
  /** The api's client connection: publishes go through it; the subscriber is a duplicate of it. */
  redis: Redis;
  /** `BATON_QUEUE_PREFIX`: deployments sharing a Redis do not hear each other. */
  prefix: string;
  /** Forget one template's latest version, or every template's (undefined: changes may have gone unheard). */
  forget: (tenant?: string, name?: string) => void;
  logger: Logger;
  /** How long opening waits for the subscription before going on not live. @defaultValue 5000 */
  waitMs?: number;
}

/**
 * Subscribes to template changes (an {@link openInvalidationChannel}): a template's latest version
 * is kept between requests only while every change made elsewhere is heard.
 */
export async function openTemplateChangeChannel({ redis, prefix, forget, logger, waitMs }: TemplateChangeChannelOptions): Promise<TemplateChangeChannel> {
  const channel = await openInvalidationChannel({
    redis,
    channel: `${prefix}:templates:changed`,
    what: 'template changes',
    // Tenants and template names hold no '/': the first one splits the message.
    forget: (message) => (message === undefined ? forget() : forget(message.slice(0, message.indexOf('/')), message.slice(message.indexOf('/') + 1))),
    logger,
    waitMs,
  });
  return {
    live: () => channel.live(),
    publish: (tenant, name) => channel.publish(`${tenant}/${name}`),
    close: () => channel.close(),
  };
}
