import { within } from './within';
import { pendingMigrations, type Db } from '@baton/db';
import { redisEvictionPolicy } from '@baton/queue';
import type { Redis } from 'ioredis';

/** One check of `/readyz`. */
export interface ReadinessCheck {
  ok: boolean;
  latencyMs: number;
  /** Why it failed, in words an operator acts on (never a URL or a credential). */
  reason?: string;
}

/** What `/readyz` answers, on the api and on each worker's metrics port. */
export interface ReadinessReport {
  ready: boolean;
  checks: { redis: ReadinessCheck; redisEvictionPolicy: ReadinessCheck; postgres: ReadinessCheck; migrations: ReadinessCheck };
}

/** Why a check threw, without addresses: an error code (ECONNREFUSED) or the message's first line with hosts and URLs blanked. */
function failure(err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && code) return `unreachable (${code})`;
  const message = (err instanceof Error ? err.message : String(err)).split('\n')[0] ?? '';
  return `down: ${message.replace(/\b[a-z][a-z0-9+.-]*:\/\/\S+/gi, '<url>').replace(/\b\d{1,3}(\.\d{1,3}){3}(:\d+)?\b/g, '<address>')}`;
}

/** `check` ends with `fallback` when it has not settled within `ms`: a dependency that hangs never hangs `/readyz`. */
async function timed(ms: number, check: () => Promise<string | undefined>): Promise<ReadinessCheck> {
  const started = performance.now();
  const reason = await within(Promise.resolve().then(check).catch(failure), ms, () => `no answer within ${ms} ms`);
  const latencyMs = Math.round((performance.now() - started) * 10) / 10;
  return reason === undefined ? { ok: true, latencyMs } : { ok: false, latencyMs, reason };
}

/**
 * The readiness of a process from its own clients: Redis answers `PING`, its `maxmemory-policy`
 * is `noeviction` (any other lets a full Redis drop jobs), Postgres answers `SELECT 1`, and every
 * migration this build knows has run. Each check is bounded by `timeoutMs`; they run together.
 */
export function readinessCheck(redis: Pick<Redis, 'ping' | 'config' | 'info'>, db: Pick<Db, 'pool' | 'kysely'>, timeoutMs = 1000): () => Promise<ReadinessReport> {
  return async () => {
    const [redisCheck, redisEvictionPolicy_, postgres, migrations] = await Promise.all([
      timed(timeoutMs, async () => ((await redis.ping()) === 'PONG' ? undefined : 'PING not answered PONG')),
      timed(timeoutMs, async () => {
        const policy = await redisEvictionPolicy(redis);
        if (policy === 'noeviction') return undefined;
        return policy === undefined
          ? 'maxmemory-policy unknown (CONFIG GET and INFO memory do not say): BullMQ needs noeviction'
          : `maxmemory-policy is ${policy}: set it to noeviction, or a full Redis drops queued jobs`;
      }),
      timed(timeoutMs, async () => void (await db.pool.query('SELECT 1'))),
      timed(timeoutMs, async () => {
        const pending = await pendingMigrations(db.kysely);
        return pending.length === 0 ? undefined : `migrations not applied: ${pending.join(', ')}`;
      }),
    ]);
    const checks = { redis: redisCheck, redisEvictionPolicy: redisEvictionPolicy_, postgres, migrations };
    return { ready: Object.values(checks).every((c) => c.ok), checks };
  };
}
