import { z } from 'zod';

const list = z
  .string()
  .transform((s) => s.split(',').map((x) => x.trim()).filter(Boolean));

const Schema = z.object({
  REDIS_URL: z.string().url().default('redis://127.0.0.1:6379'),
  DATABASE_URL: z.string().url().default('postgres://postgres@127.0.0.1:5432/baton'),
  BATON_QUEUE_PREFIX: z.string().regex(/^[A-Za-z0-9_-]+$/).default('baton'),
  /** Agents this worker serves; every built-in when unset. */
  WORKER_AGENTS: list.optional(),
  /** Jobs run at once per agent. */
  WORKER_CONCURRENCY: z.coerce.number().int().min(1).max(1000).default(100),
  /** Outputs above this many JSON bytes are stored once in Postgres and passed by reference. */
  BATON_PAYLOAD_THRESHOLD: z.coerce.number().int().min(1024).default(65_536),
  /** `off`: step transitions commit without waiting for the WAL flush (a Postgres crash re-runs the last steps). */
  WORKER_SYNC_COMMIT: z.enum(['on', 'off']).default('off'),
  DB_POOL_SIZE: z.coerce.number().int().min(1).max(200).default(10),
  /** How long a job stays locked to its worker without a renewal; a dead worker's jobs are re-run after it. */
  WORKER_LOCK_MS: z.coerce.number().int().min(500).default(30_000),
  SHUTDOWN_GRACE_MS: z.coerce.number().int().min(0).default(10_000),
  RECONCILE_EVERY_MS: z.coerce.number().int().min(200).default(5_000),
  /** Times the reconciler runs one attempt again after its job was lost (a dead worker); then it fails with WORKER_LOST. */
  BATON_MAX_REQUEUES: z.coerce.number().int().min(0).max(100).default(3),
  LOG_LEVEL: z.enum(['error', 'warn', 'info', 'debug']).default('info'),
});

export interface WorkerConfig {
  redisUrl: string;
  databaseUrl: string;
  queuePrefix: string;
  agents?: string[];
  concurrency: number;
  dbPoolSize: number;
  payloadThresholdBytes: number;
  synchronousCommit: boolean;
  lockMs: number;
  shutdownGraceMs: number;
  reconcileEveryMs: number;
  maxRequeues: number;
  logLevel: string;
}

/** @throws Error listing every bad variable. */
export function loadWorkerConfig(env: Record<string, string | undefined>): WorkerConfig {
  const parsed = Schema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new Error(`invalid worker configuration:\n${lines.join('\n')}`);
  }
  const c = parsed.data;
  return {
    redisUrl: c.REDIS_URL,
    databaseUrl: c.DATABASE_URL,
    queuePrefix: c.BATON_QUEUE_PREFIX,
    agents: c.WORKER_AGENTS,
    concurrency: c.WORKER_CONCURRENCY,
    dbPoolSize: c.DB_POOL_SIZE,
    payloadThresholdBytes: c.BATON_PAYLOAD_THRESHOLD,
    synchronousCommit: c.WORKER_SYNC_COMMIT === 'on',
    lockMs: c.WORKER_LOCK_MS,
    shutdownGraceMs: c.SHUTDOWN_GRACE_MS,
    reconcileEveryMs: c.RECONCILE_EVERY_MS,
    maxRequeues: c.BATON_MAX_REQUEUES,
    logLevel: c.LOG_LEVEL,
  };
}
