import type { Redis } from 'ioredis';
import type { Logger } from '@baton/telemetry';

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
 * Subscribes to template changes. Whenever the subscriber connection drops, every cached latest
 * version is forgotten and none is kept until the subscription is back, so a change published
 * meanwhile is never missed by a cache still in use.
 */
export async function openTemplateChangeChannel({ redis, prefix, forget, logger, waitMs = 5000 }: TemplateChangeChannelOptions): Promise<TemplateChangeChannel> {
  const channel = `${prefix}:templates:changed`;
  const subscriber = redis.duplicate({ connectionName: 'baton-template-changes', enableOfflineQueue: true, maxRetriesPerRequest: null, autoResubscribe: false });
  let live = false;
  let closed = false;
  const down = () => {
    live = false;
    forget();
  };
  subscriber.on('error', () => undefined); // the client connection's handler reports outages
  subscriber.on('close', down);
  subscriber.on('reconnecting', down);
  subscriber.on('message', (from: string, message: string) => {
    if (from !== channel) return;
    const slash = message.indexOf('/');
    forget(message.slice(0, slash), message.slice(slash + 1));
  });
  const subscribed = new Promise<void>((resolve) => {
    const subscribe = () => {
      subscriber.subscribe(channel).then(() => {
        forget();
        live = true;
        resolve();
      }, (err: unknown) => logger.warn('could not subscribe to template changes', { error: String(err) }));
    };
    subscriber.on('ready', subscribe);
    if (subscriber.status === 'ready') subscribe();
  });
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([subscribed, new Promise<void>((resolve) => (timer = setTimeout(resolve, waitMs)))]);
  clearTimeout(timer);
  if (!live) logger.warn('not subscribed to template changes yet: every run of a template reads its latest version from Postgres until it is');

  return {
    live: () => live && !closed,
    async publish(tenant, name) {
      forget(tenant, name);
      // Tenants and template names hold no '/': the first one splits the message.
      await redis.publish(channel, `${tenant}/${name}`);
    },
    async close() {
      if (closed) return;
      closed = true;
      // QUIT on a connection that is not up waits in the offline queue for a Redis that may never come.
      if (subscriber.status === 'ready') await subscriber.quit().catch(() => subscriber.disconnect());
      else subscriber.disconnect();
    },
  };
}
