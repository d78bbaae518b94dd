import { randomUUID } from 'node:crypto';
import type { Agent } from '@baton/agents';
import { loadConfig, startApi } from '@baton/app-api';
import { loadWorkerConfig, startWorker, type RunningWorker } from '@baton/app-worker';
import { createDb, type Db } from '@baton/db';
import { createTestDatabase, type TestDatabase } from '@baton/db/testing';
import { createRedis } from '@baton/queue';
import { createLogger } from '@baton/telemetry';
import type { Redis } from 'ioredis';

export interface RunView {
  id: string;
  status: string;
  output?: unknown;
  error?: { code: string; message: string; step?: string };
  createdAt: string;
  startedAt?: string;
  finishedAt?: string;
  steps: Array<{ id: string; key: string; status: string; agent: string; attempts: number; output?: unknown; error?: { code: string; message: string }; startedAt?: string; finishedAt?: string }>;
}

export interface HarnessOptions {
  /** Server to create the test's database on (the shared one by default). */
  postgresServer?: string;
  redisUrl?: string;
  workers?: number;
  extraAgents?: Agent[];
  reconcileEveryMs?: number;
  env?: Record<string, string>;
}

const FINAL = new Set(['succeeded', 'failed', 'cancelled']);

/**
 * Baton for an end-to-end test: its own database and queue prefix, an api on a free port and
 * in-process workers, all real (Redis, Postgres, BullMQ). `close()` removes everything.
 */
export class BatonHarness {
  readonly workers: RunningWorker[] = [];
  private api?: { port: number; close(): Promise<void> };
  private constructor(
    readonly database: TestDatabase,
    readonly prefix: string,
    readonly env: Record<string, string>,
    readonly db: Db,
    readonly redis: Redis,
    private readonly options: HarnessOptions,
  ) {}

  static async start(options: HarnessOptions = {}): Promise<BatonHarness> {
    const database = await createTestDatabase({ server: options.postgresServer });
    const prefix = `t${randomUUID().slice(0, 8)}`;
    const env = {
      REDIS_URL: options.redisUrl ?? process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
      DATABASE_URL: database.url,
      BATON_QUEUE_PREFIX: prefix,
      PORT: '0',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'error',
      RECONCILE_EVERY_MS: String(options.reconcileEveryMs ?? 500),
      WORKER_CONCURRENCY: '20',
      SHUTDOWN_GRACE_MS: '2000',
      DB_POOL_SIZE: '4',
      METRICS_PORT: '0', // in-process workers would all ask for the same port
      ...options.env,
    };
    const db = createDb({ url: database.url, poolSize: 2 });
    const redis = createRedis(env.REDIS_URL, 'worker');
    const harness = new BatonHarness(database, prefix, env, db, redis, options);
    for (let i = 0; i < (options.workers ?? 1); i++) await harness.startWorker();
    await harness.startApi();
    return harness;
  }

  get url(): string {
    return `http://127.0.0.1:${this.api!.port}`;
  }

  async startApi(): Promise<void> {
    this.api = await startApi(loadConfig(this.env), createLogger({ level: 'error', service: 'api', silent: true }));
  }

  async stopApi(): Promise<void> {
    await this.api?.close();
  }

  async startWorker(): Promise<RunningWorker> {
    const worker = await startWorker(loadWorkerConfig(this.env), {
      logger: createLogger({ level: 'error', service: 'worker', silent: true }),
      extraAgents: this.options.extraAgents,
    });
    this.workers.push(worker);
    return worker;
  }

  async request(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<{ status: number; body: any }> { // eslint-disable-line @typescript-eslint/no-explicit-any -- tests read answers freely
    const res = await fetch(`${this.url}${path}`, {
      method,
      headers: body === undefined ? headers : { 'content-type': 'application/json', ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined };
  }

  /** Submits and returns the run id (expects 202). */
  async submit(workflow: unknown, input: unknown = {}, extra: Record<string, unknown> = {}): Promise<string> {
    const res = await this.request('POST', '/v1/runs', { workflow, input, ...extra });
    if (res.status !== 202) throw new Error(`submit answered ${res.status}: ${JSON.stringify(res.body)}`);
    return res.body.id as string;
  }

  async run(id: string): Promise<RunView> {
    const res = await this.request('GET', `/v1/runs/${id}`);
    if (res.status !== 200) throw new Error(`GET run answered ${res.status}: ${JSON.stringify(res.body)}`);
    return res.body as RunView;
  }

  /** Polls until the run is final (or `status` is reached). */
  async waitFor(id: string, options: { status?: string; timeoutMs?: number } = {}): Promise<RunView> {
    const deadline = Date.now() + (options.timeoutMs ?? 15_000);
    for (;;) {
      const run = await this.run(id).catch(() => undefined);
      if (run && (options.status ? run.status === options.status : FINAL.has(run.status))) return run;
      if (Date.now() > deadline) throw new Error(`run ${id} is still ${run?.status}: ${JSON.stringify(run?.steps.map((s) => `${s.key}:${s.status}`))}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  async close(): Promise<void> {
    await this.stopApi().catch(() => undefined);
    for (const w of this.workers) await w.close().catch(() => undefined);
    const keys = await this.redis.keys(`${this.prefix}:*`).catch(() => [] as string[]);
    for (let i = 0; i < keys.length; i += 500) await this.redis.del(...keys.slice(i, i + 500)).catch(() => undefined);
    this.redis.disconnect();
    await this.db.destroy();
    await this.database.drop();
  }
}
