import type { Db } from '@baton/db';
import type { Redis } from 'ioredis';
import type { Readiness } from './app-deps';

/** Resolves `fallback` when `promise` has not settled within `ms` (or rejects): a check never hangs. */
export async function within<T>(promise: Promise<T>, ms: number, fallback: T): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<T>((resolve) => {
    timer = setTimeout(() => resolve(fallback), ms);
  });
  try {
    return await Promise.race([promise.catch(() => fallback), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Readiness from the api's own clients: Redis `PING`, Postgres `SELECT 1`, each bounded by `timeoutMs`. */
export function createReadiness(redis: Pick<Redis, 'ping'>, db: Pick<Db, 'pool'>, timeoutMs = 1000): Readiness {
  return {
    redis: () => within(redis.ping().then((reply) => reply === 'PONG'), timeoutMs, false),
    postgres: () => within(db.pool.query('SELECT 1').then(() => true), timeoutMs, false),
  };
}
