import type { Server } from 'node:http';
import type { Redis } from 'ioredis';
import { KyselyAgentRepository, KyselyRunQueries, KyselyRunStore, KyselySettingsStore, KyselyStatsQueries, createDb, type Db } from '@baton/db';
import {
  AgentRegistry, BullmqCronSchedules, BullmqStepQueue, RedisFleetStore, agentRegistryChannel, createRedis, publishSettingsChanged, redisReady, subscribeChannel, subscribeSettingsChanges,
} from '@baton/queue';
import { BatonError, Resources, type Meter } from '@baton/core';
import { AgentPauses, BulkOperationRunner, CachedAgentDirectory, LiveSettings, Runtime, applyBulkAction, configuredLimits, createBullmqDispatcher, migrateWhenReachable, toHistorySlice } from '@baton/runtime';
import { TemplateCatalog, syncAllSchedules, syncSchedule, type ScheduleFire } from '@baton/runtime';
import { openTemplateChangeChannel } from './template-change-channel';
import { loadTemplatesDir } from './templates-dir';
import { createLogger, createMetrics, followLogLevel, processTracer, type Logger } from '@baton/telemetry';
import type { Config } from './config';
import { KyselySecretStore, KyselyTemplateStore } from '@baton/db';
import { SecretCipher } from '@baton/runtime';
import { KyselyAgentPauses, KyselyBulkOperations, KyselyRunLinks, KyselyTemplatePauses } from '@baton/db';
import { storedChildWorkflows } from '@baton/runtime';
import { createApp } from './create-app';
import { createHttpServer } from './http-server';
import { RunEventHub } from './run-event-hub';
import type { AppDeps } from './app-deps';
import { createReadiness } from './readiness';
import { startAuthentication } from './api-authentication';
import { RedisRateLimits } from './rate-limit';
import { QUEUE_STATES, collectFleetGauges } from './fleet-gauges';
import { EventsMirrorLeader } from './bus/events-mirror-leader';
import { startTriggers } from './bus/start-triggers';
import { parseOffThread } from './yaml-off-thread';

/** A running api. */
export interface RunningApi {
  /** The port it listens on (the one the OS picked when `config.port` is 0). */
  port: number;
  /** Stops accepting connections, lets requests in flight finish, then closes queue, Redis and Postgres. Idempotent. */
  close(): Promise<void>;
}

/** How long requests in flight may take to finish on shutdown before their connections are cut. */
const DRAIN_MS = 10_000;

export interface StartApiOptions {
  /** How long startup waits for Redis before listening anyway (`/readyz` then says it is down). @defaultValue 5000 */
  redisWaitMs?: number;
}

/** Logs at most one line per `everyMs`: a down Redis reports an error on every reconnect attempt. */
function throttled(log: (message: string, meta: Record<string, unknown>) => void, everyMs: number) {
  let last = 0;
  return (message: string, meta: Record<string, unknown>) => {
    const now = Date.now();
    if (now - last < everyMs) return;
    last = now;
    log(message, meta);
  };
}

function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      const address = server.address();
      resolve(typeof address === 'object' && address ? address.port : port);
    });
  });
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    const force = setTimeout(() => server.closeAllConnections(), DRAIN_MS);
    server.close(() => {
      clearTimeout(force);
      resolve();
    });
    server.closeIdleConnections();
  });
}

/**
 * The api's composition root (STYLE rule 4): connects Postgres (migrating it) and Redis, wires the
 * queue, runtime and agent registry into the app and listens. `main.ts` calls it; the dev app and
 * tests start an api in-process with it.
 * @throws Error when a migration fails or the port cannot be bound (whatever was opened is closed).
 */
export async function startApi(
  config: Config,
  logger: Logger = createLogger({ level: config.logLevel, service: 'api', format: config.logFormat }),
  options: StartApiOptions = {},
): Promise<RunningApi> {
  const res = new Resources(logger);
  try {
    if (config.auth.open) {
      logger.warn('!!! no BATON_ADMIN_KEY, BATON_KEY_PEPPER or BATON_JWT_* is set: the api is OPEN, every request acts as admin of tenant "default". Set one before exposing it. !!!');
    }
    const db = res.own(createDb({
      url: config.databaseUrl,
      poolSize: config.dbPoolSize,
      onError: (err) => logger.warn('postgres client error', { error: err.message }),
    }), (d) => d.destroy(), 'postgres');
    await migrateWhenReachable(db, config.databaseUrl, logger);

    const redisError = throttled((m, meta) => logger.warn(m, meta), 5000);
    const redis = res.own(createRedis(config.redisUrl, 'client', {
      connectionName: 'baton-api',
      onError: (err) => redisError('redis connection error', { error: err.message }),
    }), (r) => r.quit().catch(() => r.disconnect()), 'redis');
    // A `client` connection fails commands until it is ready: wait a little, so that requests just
    // after startup are not 503s. Redis being down does not stop the api from starting.
    const waitMs = options.redisWaitMs ?? 5000;
    await redisReady(redis, waitMs).catch(() =>
      logger.warn('redis is not reachable yet; starting anyway (requests that need it answer 503)', { waitedMs: waitMs }));
    // Run and step series are the fleet's: every process adds its counts to Redis once a second.
    const metrics = res.own(createMetrics({
      fleet: { store: new RedisFleetStore(redis, config.queuePrefix), serve: 'fleet', onError: (err) => redisError('metrics flush failed', { error: String(err) }) },
    }), (m) => m.close(), 'metrics');
    const auth = res.own(await startAuthentication(config, db, redis, logger, { waitMs, meter: metrics.meter }), (a) => a.close(), 'authentication');
    const queue = res.own(new BullmqStepQueue({
      connection: redis,
      prefix: config.queuePrefix,
      onError: (err) => redisError('queue error', { error: err.message }),
    }), (q) => q.close(), 'queue');

    const runLinks = new KyselyRunLinks(db.kysely);
    const runtime = new Runtime({
      store: new KyselyRunStore(db.kysely),
      dispatcher: createBullmqDispatcher(queue, redis, config.queuePrefix),
      logger,
      tracer: processTracer(),
      payloadThresholdBytes: config.payloadThresholdBytes,
      limits: configuredLimits(config.limits),
      onRunFinished: ({ status }) => metrics.runs.inc({ status }),
      // A run's first steps may start children: the api admits them as a worker does later ones.
      subWorkflows: { workflows: storedChildWorkflows(new KyselyTemplateStore(db.kysely), { meter: metrics.meter }), links: runLinks, maxDepth: config.limits.maxSubworkflowDepth },
    });
    const directory = new CachedAgentDirectory({
      registry: new AgentRegistry({ connection: redis, prefix: config.queuePrefix }),
      recorded: () => new KyselyAgentRepository().names(db.kysely),
      meter: metrics.meter,
    });
    res.own(subscribeChannel(redis, {
      channel: agentRegistryChannel(config.queuePrefix), connectionName: 'baton-registry-changes',
      onMessage: () => directory.forget(), onSubscribed: () => directory.forget(), onError: (err) => redisError('registry channel error', { error: err.message }),
    }), (s) => s.close(), 'registry changes');
    const agents = knownAgents(directory, redis);
    collectFleetGauges(metrics, agents, (agent) => queue.queue(agent).getJobCounts(...QUEUE_STATES));
    const queries = new KyselyRunQueries(db.kysely);
    // ONE Redis subscriber for every live stream of this process.
    const runEvents = res.own(new RunEventHub({
      redis, prefix: config.queuePrefix, logger,
      read: async (tenant, runId, after, limit) => {
        const page = await queries.history(tenant, runId, after, limit);
        return page && toHistorySlice(page);
      },
    }), (h) => h.close(), 'run events');
    // Bulk operations: this process starts a new one at once, and takes over one no process runs.
    const bulkOperations = new KyselyBulkOperations(db.kysely);
    const bulkRunner = res.own(new BulkOperationRunner({
      store: bulkOperations,
      act: (principal, action, id) => applyBulkAction({ runtime, queries }, principal, action, id),
      logger,
    }), (r) => r.close(), 'bulk operations');
    bulkRunner.start();
    const templates = await startTemplates(config, db, redis, res, logger, waitMs, metrics.meter);
    const rateLimits = new RedisRateLimits({
      connection: redis,
      prefix: config.queuePrefix,
      ...config.rateLimits,
      onFallback: () => logger.warn('redis is unavailable: rate limits are counted in this process alone until it is back'),
    });
    // Runtime settings: read now, again on every change any instance announces, and every 30 s.
    const settingsStore = new KyselySettingsStore(db.kysely);
    const applyLogLevel = followLogLevel(logger, config.logLevel);
    const live = res.own(new LiveSettings({
      read: () => settingsStore.read(),
      logger,
      apply: (s) => {
        rateLimits.configure({ perMinute: s.rateLimitPerMinute, byKey: s.rateLimitsByKey });
        applyLogLevel(s.logLevel);
      },
    }), (l) => l.close(), 'settings');
    await live.refresh();
    res.own(subscribeSettingsChanges(redis, config.queuePrefix, () => void live.refresh(), (err) => redisError('settings channel error', { error: err.message })), (c) => c.close(), 'settings channel');
    const templatePauses = new KyselyTemplatePauses(db.kysely);
    const app = createApp({
      bulkOperations: { bulkOperations, bulkRunner },
      runtime,
      queries,
      runLinks,
      runEvents,
      templatePauses,
      agentPauses: new AgentPauses({ records: new KyselyAgentPauses(db.kysely), queue }),
      secrets: { secrets: new KyselySecretStore(db.kysely), secretCipher: config.secretKeys && new SecretCipher(config.secretKeys.current, config.secretKeys.old) },
      agents,
      readiness: createReadiness(redis, db),
      stats: new KyselyStatsQueries(db.kysely),
      logger,
      metrics,
      config,
      authenticator: auth.authenticator,
      apiKeys: auth.apiKeys,
      templates,
      rateLimits,
      settings: { store: settingsStore, announce: (version) => publishSettingsChanged(redis, config.queuePrefix, version) },
      // Baton's own queues: the same prefix and connection.
      boardQueues: { agents: () => new AgentRegistry({ connection: redis, prefix: config.queuePrefix }).known(), queue: (agent) => queue.queue(agent) },
    });

    const server = res.own(createHttpServer(app, config.http), closeServer, 'http server');
    // Closed first (owned last): open streams end, so the server drains at once instead of waiting for them.
    res.own(runEvents, (h) => h.endStreams(), 'run event streams');
    const port = await listen(server, config.port, config.host);
    logger.info('api listening', { host: config.host, port });
    // Owned last, so closed first: no message starts a run, and no event is read, once Postgres closes.
    const mirror = config.bus.eventsMirror;
    if (mirror) {
      const leader = res.own(new EventsMirrorLeader({ ...mirror, databaseUrl: config.databaseUrl, db, redis, prefix: config.queuePrefix, logger }), (l) => l.close(), 'events mirror');
      leader.start();
    }
    res.own(startTriggers(config.bus.triggers, {
      runtime, agents, readDefinition: parseOffThread, limits: config.limits, templateCatalog: templates.catalog, templates: templates.templates, templatePauses,
    }, logger), (t) => t.close(), 'triggers');

    let closing: Promise<void> | undefined;
    return {
      port,
      close: () => (closing ??= res.closeAll().then(() => logger.info('api stopped'))),
    };
  } catch (err) {
    await res.closeAll();
    throw err;
  }
}

/**
 * Templates: the store, the cache runs start them from (its latest versions forgotten through the
 * Redis channel on every PUT of any instance), the cron schedules synced with the latest versions,
 * and the files of `BATON_TEMPLATES_DIR` stored (a bad one stops start-up).
 */
async function startTemplates(config: Config, db: Db, redis: Redis, res: Resources, logger: Logger, waitMs: number, meter: Meter): Promise<NonNullable<AppDeps['templates']>> {
  const templates = new KyselyTemplateStore(db.kysely);
  // The channel forgets the catalog's latest versions; the catalog asks the channel whether it hears changes.
  const catalog = new TemplateCatalog({ store: templates, hearsChanges: () => channel.live(), meter });
  const channel = res.own(await openTemplateChangeChannel({ redis, prefix: config.queuePrefix, forget: (t, n) => catalog.forget(t, n), logger, waitMs }), (c) => c.close(), 'template changes');
  const cron = res.own(new BullmqCronSchedules<ScheduleFire>({ connection: redis, prefix: config.queuePrefix, onError: (err) => logger.warn('schedule queue error', { error: err.message }) }), (c) => c.close(), 'cron schedules');
  const templateChanges = {
    changed: async (tenant: string, name: string) => {
      // BullMQ would hold the commands until Redis is back: answer now instead.
      if (redis.status !== 'ready') throw new BatonError('UNAVAILABLE', 'the template is stored, but Redis is unavailable to take its schedule or tell the other instances: put it again', [{ path: 'redis', message: redis.status }]);
      try {
        await syncSchedule({ templates, cron }, tenant, name);
        await channel.publish(tenant, name);
      } catch (err) {
        // The version is stored; putting it again (an unchanged PUT) syncs and tells again.
        throw new BatonError('UNAVAILABLE', 'the template is stored, but Redis did not take its schedule or tell the other instances: put it again', [{ path: 'redis', message: String(err) }]);
      }
    },
  };
  // At start-up Redis may be down: a file's version is stored all the same, and every (re)connection
  // syncs all schedules from Postgres (a restarted or flushed Redis gets them back); no instance
  // keeps a latest version while it cannot hear changes, so an unsent change misleads none.
  const tolerant = { changed: (tenant: string, name: string) => templateChanges.changed(tenant, name).catch((err: unknown) => logger.warn('template stored; its schedule waits for Redis', { template: name, error: String(err) })) };
  if (config.templatesDir) await loadTemplatesDir(config.templatesDir.path, config.templatesDir.tenant, { templates, templateChanges: tolerant, limits: config.limits }, logger);
  const syncAll = () => syncAllSchedules({ templates, cron }).catch((err: unknown) => logger.warn('could not sync the templates\' schedules with Redis; each PUT of a template syncs its own', { error: String(err) }));
  redis.on('ready', () => void syncAll());
  if (redis.status === 'ready') await syncAll();
  return { templates, templateChanges, catalog, cron };
}

/**
 * The agent directory (cached: every submission asks), but a submission while Redis is down is a
 * 503 (API.md), whatever the cache holds: its steps could not be enqueued.
 */
function knownAgents(directory: CachedAgentDirectory, redis: Redis): AppDeps['agents'] {
  return {
    list: () => directory.list(),
    known: () => {
      if (redis.status !== 'ready') {
        return Promise.reject(new BatonError('UNAVAILABLE', 'Redis is unavailable: no step can be enqueued', [{ path: 'redis', message: redis.status }]));
      }
      return directory.known();
    },
  };
}
