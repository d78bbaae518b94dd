import { Redis } from 'ioredis';

/**
 * `worker`: commands wait for the connection to come back (BullMQ workers require
 * `maxRetriesPerRequest: null`). `client`: commands fail at once while Redis is unreachable, so an
 * HTTP request answers 503 instead of hanging.
 */
export type RedisRole = 'worker' | 'client';

export interface CreateRedisOptions {
  /** Shown by `CLIENT LIST`. */
  connectionName?: string;
  /**
   * Called with every connection error. The connection reconnects by itself; errors are never
   * rethrown, so a Redis outage cannot crash the process.
   * @defaultValue ignore them (commands still reject, and `status` tells whether it is `ready`)
   */
  onError?: (error: Error) => void;
}

/** Reconnect forever: 200 ms, 400 ms, … capped at 5 s, with jitter so a fleet does not reconnect in step. */
export function reconnectDelay(times: number): number {
  return Math.min(times * 200, 5000) + Math.floor(Math.random() * 100);
}

/** An ioredis connection configured for its role. Whoever calls this owns it and must `quit()` it. */
export function createRedis(url: string, role: RedisRole, options: CreateRedisOptions = {}): Redis {
  const redis = new Redis(url, {
    retryStrategy: reconnectDelay,
    ...(options.connectionName ? { connectionName: options.connectionName } : {}),
    ...(role === 'worker' ? { maxRetriesPerRequest: null } : { maxRetriesPerRequest: 1, enableOfflineQueue: false }),
  });
  const onError = options.onError ?? (() => undefined);
  redis.on('error', onError);
  return redis;
}

/**
 * Resolves once the connection is ready. A `client` connection rejects commands until then, so a
 * composition root awaits this at startup.
 * @throws Error when it is not ready within `timeoutMs`.
 */
export async function redisReady(redis: Redis, timeoutMs = 10_000): Promise<void> {
  if (redis.status === 'ready') return;
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      redis.off('ready', onReady);
      reject(new Error(`Redis not ready after ${timeoutMs} ms (connection ${redis.status})`));
    }, timeoutMs);
    const onReady = (): void => {
      clearTimeout(timer);
      resolve();
    };
    redis.once('ready', onReady);
  });
}
