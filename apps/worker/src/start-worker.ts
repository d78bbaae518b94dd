import { randomUUID } from 'node:crypto';
import { Queue, Worker, type Job } from 'bullmq';
import { builtinAgents, type Agent } from '@baton/agents';
import { Resources } from '@baton/core';
import { KyselyAgentRepository, createDb } from '@baton/db';
import { AgentRegistry, BullmqStepQueue, createRedis, queueName, subscribeCancel, type StepJob } from '@baton/queue';
import { Reconciler, Runtime, createBullmqDispatcher, migrateWhenReachable, whenReachable } from '@baton/runtime';
import { createLogger, createMetrics, type Logger } from '@baton/telemetry';
import type { WorkerConfig } from './config';
import { StepProcessor } from './step-processor';

const HEARTBEAT_MS = 5_000;
const SYSTEM_QUEUE = 'system.reconcile';

export interface RunningWorker {
  id: string;
  /** Stops taking jobs, lets active ones finish within the grace period, closes everything. */
  close(): Promise<void>;
}

export async function startWorker(config: WorkerConfig, options: { logger?: Logger; extraAgents?: Agent[] } = {}): Promise<RunningWorker> {
  const logger = options.logger ?? createLogger({ level: config.logLevel, service: 'worker' });
  const id = `worker-${randomUUID().slice(0, 8)}`;
  const all = [...builtinAgents, ...(options.extraAgents ?? [])];
  const served = config.agents ? all.filter((a) => config.agents!.includes(a.name)) : all;
  const unknown = (config.agents ?? []).filter((name) => !all.some((a) => a.name === name));
  if (unknown.length > 0) throw new Error(`unknown agents in WORKER_AGENTS: ${unknown.join(', ')}`);
  const agents = new Map(served.map((a) => [a.name, a]));

  const res = new Resources(logger);
  const db = res.own(createDb({ url: config.databaseUrl, poolSize: config.dbPoolSize, synchronousCommit: config.synchronousCommit, onError: (err) => logger.warn('postgres pool error', { error: err.message }) }), (d) => d.destroy());
  await migrateWhenReachable(db, config.databaseUrl, logger);
  const redis = res.own(createRedis(config.redisUrl, 'worker', { onError: (err) => logger.warn('redis error', { error: err.message }) }), (r) => r.quit());
  const queue = res.own(new BullmqStepQueue({ connection: redis, prefix: config.queuePrefix, onError: (err) => logger.warn('queue error', { error: err.message }) }), (q) => q.close());
  const dispatcher = createBullmqDispatcher(queue, redis, config.queuePrefix);
  const metrics = createMetrics({ defaultMetrics: false });
  const runtime = res.own(new Runtime({ db, dispatcher, logger, payloadThresholdBytes: config.payloadThresholdBytes, onRunFinished: (r) => metrics.runs.inc({ status: r.status }) }), (r) => r.drain());
  const processor = new StepProcessor({ runtime, agents, logger, metrics });

  const system = res.own(new Queue(SYSTEM_QUEUE, { connection: redis, prefix: config.queuePrefix }), (q) => q.close());
  system.on('error', (err) => logger.warn('system queue error', { error: err.message }));
  const scheduleReconciler = () =>
    system.upsertJobScheduler('reconcile', { every: config.reconcileEveryMs }, { name: 'reconcile', opts: { removeOnComplete: true, removeOnFail: 100 } });

  const registry = new AgentRegistry({ connection: redis, prefix: config.queuePrefix });
  const descriptors = served.map((a) => ({ name: a.name, description: a.description }));
  // Postgres may go away again right after the migrations: wait for it rather than exit.
  await whenReachable('recording the agents', () => new KyselyAgentRepository().register(db.kysely, descriptors), logger);
  const heartbeat = async () => {
    try {
      await registry.register(id, descriptors, HEARTBEAT_MS * 3);
      // After a flushed Redis the scheduler is gone too: put it back.
      await scheduleReconciler();
    } catch (err) {
      logger.warn('heartbeat failed', { error: String(err) });
    }
  };
  await heartbeat();
  res.own(setInterval(heartbeat, HEARTBEAT_MS), async (t) => { clearInterval(t); await registry.unregister(id).catch(() => undefined); });

  res.own(await subscribeCancel(redis, config.queuePrefix, (m) => processor.abort(m), { onError: (err) => logger.warn('cancel subscription error', { error: err.message }) }), (s) => s.close());

  const workers: Worker[] = [];
  for (const agent of served) {
    const worker = new Worker<StepJob>(queueName(agent.name), (job: Job<StepJob>) => processor.process(job.data), {
      connection: redis,
      prefix: config.queuePrefix,
      concurrency: config.concurrency,
      lockDuration: config.lockMs,
      stalledInterval: Math.min(30_000, config.lockMs),
      // A job whose worker died fails at once; the reconciler re-runs it, counting (BATON_MAX_REQUEUES).
      maxStalledCount: 0,
    });
    worker.on('error', (err) => logger.warn('worker error', { agent: agent.name, error: err.message }));
    workers.push(worker);
  }

  // The reconciler: a job scheduler fires one job per tick, so one worker of the fleet runs it.
  const reconciler = new Reconciler({ runtime, presence: dispatcher, logger, maxRequeues: config.maxRequeues });
  const systemWorker = new Worker(SYSTEM_QUEUE, () => reconciler.tick(), { connection: redis, prefix: config.queuePrefix, concurrency: 1 });
  systemWorker.on('error', (err) => logger.warn('reconciler error', { error: err.message }));
  workers.push(systemWorker);
  logger.info('worker started', { workerId: id, agents: served.map((a) => a.name), concurrency: config.concurrency });

  let closing: Promise<void> | undefined;
  return {
    id,
    close: () =>
      (closing ??= (async () => {
        const graceful = Promise.all(workers.map((w) => w.close()));
        const expired = await Promise.race([graceful.then(() => false), new Promise<boolean>((r) => setTimeout(() => r(true), config.shutdownGraceMs).unref())]);
        if (expired) {
          // Past the grace period: abort what still runs; BullMQ releases the jobs for another worker.
          processor.abortAll();
          await Promise.all(workers.map((w) => w.close(true)));
        }
        await res.closeAll();
        logger.info('worker stopped', { workerId: id });
      })()),
  };
}
