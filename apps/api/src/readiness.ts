import type { Db } from '@baton/db';
import { readinessCheck } from '@baton/runtime';
import type { Redis } from 'ioredis';
import type { Readiness } from './app-deps';

/**
 * Readiness from the api's own clients (`readinessCheck` of `@baton/runtime`, which the workers
 * serve too): Redis answers and keeps every job (`noeviction`), Postgres answers and is migrated.
 */
export function createReadiness(redis: Pick<Redis, 'ping' | 'config' | 'info'>, db: Pick<Db, 'pool' | 'kysely'>, timeoutMs = 1000): Readiness {
  return { check: readinessCheck(redis, db, timeoutMs) };
}
