import { randomUUID } from 'node:crypto';
import { AgentCatalog, builtinAgents, loadAgentModule, type Agent } from '@baton/agents';
import { Resources, type Meter } from '@baton/core';
import { KyselyAgentPauses, KyselyAgentRepository, KyselyRunLinks, KyselySettingsStore, KyselyTemplatePauses, deleteFinishedRuns, KyselyRunStore, KyselySecretStore, KyselyTemplateStore, createDb, type Db } from '@baton/db';
import { CachedAgentDirectory, TemplateCatalog, fireSchedule, type ScheduleFire } from '@baton/runtime';
import {
  AgentRegistry, BullmqCronSchedules, BullmqSchedule, BullmqStepConsumer, BullmqStepQueue, EagerLeases, RedisFleetStore, agentRegistryChannel, createRedis, subscribeCancel, subscribeChannel, subscribeSettingsChanges,
} from '@baton/queue';
import { AgentPauses, LiveSettings, Reconciler, Runtime, configuredLimits, sweepFinishedRuns, createBullmqDispatcher, migrateWhenReachable, readinessCheck, storedChildWorkflows, whenReachable } from '@baton/runtime';
import { createLogger, createMetrics, followLogLevel, processTracer, type Logger } from '@baton/telemetry';
import type { WorkerConfig } from './config';
import { SecretCipher, SecretResolver } from '@baton/runtime';
import { serveMetrics } from './metrics-server';
import { RunningAttempts } from './running-attempts';
import { prometheusStepMetrics } from './step-metrics';
import { withAutoPause } from './auto-pause-metrics';
import { StepProcessor } from './step-processor';
import { AgentSlots, EagerDispatch } from './eager-dispatch';

const HEARTBEAT_MS = 5_000;

export interface RunningWorker {
  id: string;
  /** The port of its `/metrics`; undefined when it serves none. */
  metricsPort?: number;
  /** Stops taking jobs, lets active ones finish within the grace period, closes everything. */
  close(): Promise<void>;
}

/**
 * Templates' schedules: the api keeps one BullMQ job scheduler per scheduled template, each tick
 * is one job of `system.cron`, and one worker of the fleet takes it and starts the tick's run
 * (its idempotency key is the template and the tick, so a tick taken twice makes one run).
 */
function startScheduleFires(w: { runtime: Runtime; db: Db; redis: ReturnType<typeof createRedis>; registry: AgentRegistry; prefix: string; res: Resources; logger: Logger; meter: Meter }): void {
  // The agents are read again whenever the registry says it changed (else after their ttl); no
  // template's latest version is kept here (this process does not hear template changes).
  const agents = new CachedAgentDirectory({ registry: w.registry, recorded: () => new KyselyAgentRepository().names(w.db.kysely), meter: w.meter });
  w.res.own(subscribeChannel(w.redis, {
    channel: agentRegistryChannel(w.prefix), connectionName: 'baton-registry-changes',
    onMessage: () => agents.forget(), onSubscribed: () => agents.forget(), onError: (err) => w.logger.warn('registry channel error', { error: err.message }),
  }), (s) => s.close());
  const deps = {
    runtime: w.runtime,
    templateCatalog: new TemplateCatalog({ store: new KyselyTemplateStore(w.db.kysely), meter: w.meter }),
    templatePauses: new KyselyTemplatePauses(w.db.kysely),
    agents,
  };
  const cron = w.res.own(new BullmqCronSchedules<ScheduleFire>({ connection: w.redis, prefix: w.prefix, onError: (err) => w.logger.warn('schedule fire failed', { error: err.message }) }), (c) => c.close());
  cron.consume(async ({ data, tick }) => {
    const run = await fireSchedule(deps, { ...data, tick });
    if (run?.created) w.logger.info('schedule fired', { template: data.name, version: data.version, tenant: data.tenant, tick: new Date(tick).toISOString(), runId: run.id });
  });
}

export interface StartWorkerOptions {
  /** @defaultValue a winston logger at `config.logLevel` */
  logger?: Logger;
  /** Agents to serve besides the built-ins and those of `BATON_AGENT_MODULES` (a worker embedded in code, tests). */
  extraAgents?: Agent[];
  /** Where `BATON_AGENT_MODULES` paths and package names are resolved from. @defaultValue `process.cwd()` */
  cwd?: string;
}

/**
 * The agents a worker can serve: the built-ins, its modules' and the extra ones.
 * @throws AgentLoadError for a module that cannot be loaded, a duplicate name, an unknown name in WORKER_AGENTS.
 */
function catalogOf(config: WorkerConfig, options: StartWorkerOptions): AgentCatalog {
  const catalog = new AgentCatalog().add(builtinAgents, 'built-in');
  const cwd = options.cwd ?? process.cwd();
  for (const module of config.agentModules ?? []) catalog.add(loadAgentModule(module, cwd), `module "${module}"`);
  if (options.extraAgents?.length) catalog.add(options.extraAgents, 'startWorker options');
  catalog.select(config.agents); // unknown names stop start-up before anything is opened
  return catalog;
}

/**
 * Starts a worker: loads and sets up its agents, connects, registers them, and consumes their
 * queues; runs the fleet's reconciler on its share of ticks, and serves `/metrics`.
 * @throws AgentLoadError when its agents cannot be served (see `AgentCatalog`); what was opened is closed then.
 */
export async function startWorker(config: WorkerConfig, options: StartWorkerOptions = {}): Promise<RunningWorker> {
  const logger = options.logger ?? createLogger({ level: config.logLevel, service: 'worker', format: config.logFormat });
  const id = `worker-${randomUUID().slice(0, 8)}`;
  const catalog = catalogOf(config, options);
  const res = new Resources(logger);
  // Aborted after the last job, as the agents close: background work of their setups stops.
  const shutdown = new AbortController();
  try {
    const agents = res.own(await catalog.start({ names: config.agents, config: config.agentConfig, logger, signal: shutdown.signal }), async (a) => {
      shutdown.abort(new Error('worker shutting down'));
      await a.close();
    });
    const served = agents.agents;

    // A transaction of this worker lasts milliseconds: one idle for twice the job lock belongs to a stalled process, whose jobs are run elsewhere by now.
    const db = res.own(createDb({ url: config.databaseUrl, poolSize: config.dbPoolSize, synchronousCommit: config.synchronousCommit, idleInTransactionTimeoutMs: 2 * config.lockMs, onError: (err) => logger.warn('postgres pool error', { error: err.message }) }), (d) => d.destroy());
    await migrateWhenReachable(db, config.databaseUrl, logger);
    const redis = res.own(createRedis(config.redisUrl, 'worker', { onError: (err) => logger.warn('redis error', { error: err.message }) }), (r) => r.quit());
    // The jobs a step's result enqueues continue the trace of that step, which is still running.
    const running = new RunningAttempts();
    const queue = res.own(
      new BullmqStepQueue({ connection: redis, prefix: config.queuePrefix, onError: (err) => logger.warn('queue error', { error: err.message }), traceparentOf: (job) => running.traceparentOf(job.runId) }),
      (q) => q.close(),
    );
    const dispatcher = createBullmqDispatcher(queue, redis, config.queuePrefix);
    // Its run and step counts go to the fleet's totals in Redis once a second (the api shows those);
    // its own /metrics shows what this process did. Owned after Redis: the last counts are flushed before it closes.
    const metrics = res.own(createMetrics({
      fleet: { store: new RedisFleetStore(redis, config.queuePrefix), serve: 'own', onError: (err) => logger.warn('metrics flush failed', { error: String(err) }) },
    }), (m) => m.close());
    // Steps this worker's commits make ready run here at once when it has a slot for them (README, Performance).
    const slots = new AgentSlots();
    let steps: StepProcessor | undefined = undefined; // made below, before the first commit
    const eager = config.eagerDispatch === false ? undefined : res.own(new EagerDispatch({
      queue: dispatcher,
      leases: new EagerLeases({ connection: redis, prefix: config.queuePrefix, leaseMs: config.lockMs }),
      slots,
      run: (job, delivery) => steps!.process(job, delivery),
      workerId: id,
      renewEveryMs: Math.max(100, Math.floor(config.lockMs / 4)),
      maxChain: config.eagerMaxChain ?? 8,
      traceparentFor: (job) => queue.traceparentFor(job),
      dispatched: (agent) => metrics.eagerDispatches.inc({ agent }),
      logger,
    }), (e) => e.close());
    const runtime = res.own(new Runtime({ store: new KyselyRunStore(db.kysely), dispatcher: eager ?? dispatcher, logger, tracer: processTracer(), payloadThresholdBytes: config.payloadThresholdBytes, limits: configuredLimits(config.limits), onRunFinished: (r) => metrics.runs.inc({ status: r.status }),
      subWorkflows: { workflows: storedChildWorkflows(new KyselyTemplateStore(db.kysely), { meter: metrics.meter }), links: new KyselyRunLinks(db.kysely), maxDepth: config.limits.maxSubworkflowDepth },
    }), (r) => r.drain());
    const agentPauses = new AgentPauses({ records: new KyselyAgentPauses(db.kysely), queue });
    steps = new StepProcessor({
      runtime,
      agents,
      logger,
      metrics: withAutoPause(prometheusStepMetrics(metrics), config.autoPause, { pauses: agentPauses, trips: metrics.agentAutoPauses, logger }),
      running,
      secrets: new SecretResolver({ store: new KyselySecretStore(db.kysely), cipher: config.secretKeys && new SecretCipher(config.secretKeys.current, config.secretKeys.old) }),
      tracer: processTracer(),
      workerId: id,
    });

    // The reconciler: a job scheduler fires one job per tick, so one worker of the fleet runs it.
    const reconcile = new BullmqSchedule({ connection: redis, prefix: config.queuePrefix, name: 'reconcile', everyMs: config.reconcileEveryMs, onError: (err) => logger.warn('reconciler error', { error: err.message }) });
    // Retention: one worker of the fleet sweeps each tick, for as many days as the settings (or BATON_RETENTION_DAYS) say.
    const retention = new BullmqSchedule({ connection: redis, prefix: config.queuePrefix, name: 'retention', everyMs: config.retentionEveryMs, onError: (err) => logger.warn('retention error', { error: err.message }) });
    const registry = new AgentRegistry({ connection: redis, prefix: config.queuePrefix });
    const descriptors = served.map((a) => ({ name: a.name, description: a.description }));
    // Postgres may go away again right after the migrations: wait for it rather than exit.
    await whenReachable('recording the agents', () => new KyselyAgentRepository().register(db.kysely, descriptors), logger);
    const heartbeat = async () => {
      try {
        await registry.register(id, descriptors, HEARTBEAT_MS * 3);
        // After a flushed Redis the scheduler is gone too: put it back.
        await reconcile.ensure();
        await retention.ensure();
      } catch (err) {
        logger.warn('heartbeat failed', { error: String(err) });
      }
    };
    await heartbeat();
    res.own(setInterval(heartbeat, HEARTBEAT_MS), async (t) => { clearInterval(t); await registry.unregister(id).catch(() => undefined); });

    // Runtime settings: read now, again on every change the api announces, and every 30 s; each
    // overrides its variable (BATON_AGENT_CONCURRENCY, WORKER_CONCURRENCY, BATON_RETENTION_DAYS, LOG_LEVEL).
    let consumer: BullmqStepConsumer | undefined = undefined; // applied to once it consumes
    const applyLogLevel = followLogLevel(logger, config.logLevel);
    const settingsStore = new KyselySettingsStore(db.kysely);
    const live = res.own(new LiveSettings({
      read: () => settingsStore.read(),
      logger,
      apply: async (s) => {
        applyLogLevel(s.logLevel);
        consumer?.setConcurrency(s.workerConcurrency ?? {});
        await queue.setAgentConcurrency(Object.fromEntries(served.map((a) => [a.name, s.agentConcurrency?.[a.name] ?? config.agentConcurrency?.[a.name]])));
      },
    }), (l) => l.close());
    // Before consuming: a limit set now holds from the first job this worker takes.
    await live.refresh();
    res.own(subscribeSettingsChanges(redis, config.queuePrefix, () => void live.refresh(), (err) => logger.warn('settings channel error', { error: err.message })), (c) => c.close());

    res.own(await subscribeCancel(redis, config.queuePrefix, (m) => steps!.abort(m), { onError: (err) => logger.warn('cancel subscription error', { error: err.message }) }), (s) => s.close());

    const reconciler = new Reconciler({ runtime, presence: dispatcher, logger, maxRequeues: config.maxRequeues, repairs: metrics.reconcilerRepairs });
    consumer = new BullmqStepConsumer({
      connection: redis,
      prefix: config.queuePrefix,
      agents: served.map((a) => a.name),
      handler: async (job, delivery) => {
        const executed = slots.begin(job.agent);
        try {
          await steps!.process(job, { ...delivery, executed });
        } finally {
          executed();
        }
      },
      concurrency: config.concurrency,
      lockMs: config.lockMs,
      onError: (err, agent) => logger.warn('worker error', { agent, error: err.message }),
      // Run again (or given up on) now rather than at the next tick; the tick stays the fallback.
      onLost: (job) => {
        logger.warn('step lost its worker', { runId: job.runId, stepKey: job.key, attempt: job.attempt, agent: job.agent });
        reconciler.repair([job]).catch((err: unknown) => logger.warn('repairing a lost job failed', { error: String(err) }));
      },
    });
    consumer.setConcurrency(live.settings.workerConcurrency ?? {});
    slots.attach(consumer);
    reconcile.run(() => reconciler.tick());
    retention.run(async () => {
      const days = live.settings.retentionDays ?? config.retentionDays;
      if (days > 0) await sweepFinishedRuns({ deleteFinishedRuns: (before, limit) => deleteFinishedRuns(db.kysely, before, limit), logger }, { days });
    });
    startScheduleFires({ runtime, db, redis, registry, prefix: config.queuePrefix, res, logger, meter: metrics.meter });
    const metricsServer = config.metricsPort === undefined
      ? undefined
      : await serveMetrics({ port: config.metricsPort, host: config.metricsHost, source: metrics.registry, readiness: readinessCheck(redis, db), logger });
    if (metricsServer) res.own(metricsServer, (s) => s.close());
    logger.info('worker started', { workerId: id, agents: served.map((a) => a.name), concurrency: config.concurrency, metricsPort: metricsServer?.port });

    let closing: Promise<void> | undefined;
    return {
      id,
      metricsPort: metricsServer?.port,
      close: () =>
        (closing ??= (async () => {
          const graceful = Promise.all([consumer.close(), eager?.close(), reconcile.close(), retention.close()]);
          const expired = await Promise.race([graceful.then(() => false), new Promise<boolean>((r) => setTimeout(() => r(true), config.shutdownGraceMs).unref())]);
          if (expired) {
            // Past the grace period: abort what still runs; BullMQ releases the jobs for another worker.
            steps!.abortAll();
            await Promise.all([consumer.forceClose(), reconcile.close(true), retention.close(true)]);
          }
          await res.closeAll();
          logger.info('worker stopped', { workerId: id });
        })()),
    };
  } catch (err) {
    await res.closeAll();
    throw err;
  }
}
