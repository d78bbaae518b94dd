import { Cluster, Redis, type RedisOptions } from 'ioredis';

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

/** The options of a connection of `role`, node by node. */
function roleOptions(role: RedisRole): RedisOptions {
  return role === 'worker' ? { maxRetriesPerRequest: null } : { maxRetriesPerRequest: 1, enableOfflineQueue: false };
}

/**
 * A Redis Cluster client for several comma-separated node URLs (credentials and TLS of the first
 * apply to every node). It implements every command, event and subscription Baton uses, so it
 * is handed around as a `Redis`; BullMQ tells it apart by its `isCluster`.
 */
function createCluster(url: string, role: RedisRole, connectionName?: string): Redis {
  const nodes = url.split(',').map((one) => new URL(one.trim()));
  const first = nodes[0]!;
  const options = roleOptions(role);
  const cluster = new Cluster(nodes.map((n) => ({ host: n.hostname, port: Number(n.port || 6379) })), {
    clusterRetryStrategy: reconnectDelay,
    enableOfflineQueue: options.enableOfflineQueue ?? true,
    redisOptions: {
      ...options,
      ...(connectionName ? { connectionName } : {}),
      ...(first.username ? { username: decodeURIComponent(first.username) } : {}),
      ...(first.password ? { password: decodeURIComponent(first.password) } : {}),
      ...(first.protocol === 'rediss:' ? { tls: {} } : {}),
    },
  });
  return cluster as unknown as Redis;
}

/**
 * An ioredis connection configured for its role; several comma-separated URLs make a Redis
 * Cluster client. Whoever calls this owns it and must `quit()` it.
 */
export function createRedis(url: string, role: RedisRole, options: CreateRedisOptions = {}): Redis {
  const redis = url.includes(',')
    ? createCluster(url, role, options.connectionName)
    : new Redis(url, {
      retryStrategy: reconnectDelay,
      ...(options.connectionName ? { connectionName: options.connectionName } : {}),
      ...roleOptions(role),
    });
  const onError = options.onError ?? (() => undefined);
  redis.on('error', onError);
  return redis;
}

/**
 * A new connection to the same Redis (or cluster) as `redis`, with `options` over its own: what a
 * subscriber needs. A cluster's `duplicate` takes its nodes first, so it is told apart here.
 */
export function duplicateRedis(redis: Redis, options: RedisOptions): Redis {
  if (!(redis as unknown as { isCluster?: boolean }).isCluster) return redis.duplicate(options);
  const cluster = redis as unknown as Cluster;
  const { enableOfflineQueue, ...nodeOptions } = options;
  return cluster.duplicate(undefined, {
    ...(enableOfflineQueue === undefined ? {} : { enableOfflineQueue }),
    redisOptions: { ...cluster.options.redisOptions, ...nodeOptions },
  }) as unknown as Redis;
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
