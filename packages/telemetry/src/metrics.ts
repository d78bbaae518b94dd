import { FleetSeries, flushEvery, type FleetStore } from './fleet-series';
import { PrometheusMeter, type MetricsExposition } from './prometheus-meter';

export interface MetricsOptions {
  /** Process metrics (CPU, memory, event loop, GC). @defaultValue true */
  defaultMetrics?: boolean;
  /**
   * Share the run and step series with the fleet: this process's counts are added to `store`
   * every `flushEveryMs`. `serve: 'fleet'` (the api) makes `/metrics` show the fleet's totals read
   * from the store (cached for `cacheMs`); `'own'` (a worker) shows this process's own.
   * Without it, `/metrics` shows this process's own and nothing is shared.
   */
  fleet?: { store: FleetStore; serve: 'fleet' | 'own'; flushEveryMs?: number; cacheMs?: number; onError?: (error: unknown) => void };
}

/** The buckets of every duration histogram, in seconds. */
const SECONDS = [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 30, 120];

/** `load` at most once per `ms`; a failed load is not kept. */
function cached<T>(ms: number, load: () => Promise<T>): () => Promise<T> {
  let entry: { at: number; value: Promise<T> } | undefined;
  return () => {
    if (!entry || Date.now() - entry.at >= ms) {
      const value = load();
      value.catch(() => (entry = undefined));
      entry = { at: Date.now(), value };
    }
    return entry.value;
  };
}

/**
 * Baton's Prometheus series (API.md, Operations; README, Operations), recorded through core's
 * ports: callers see `Counter`, `Histogram` and `Gauge`, never prom-client's types. Run, step and
 * reconciler series are fleet series (`FleetSeries`: counted in memory, shared through the fleet
 * store); HTTP series and gauges are this process's (prom-client). A new series is one more line here.
 */
export function createMetrics(options: MetricsOptions = {}) {
  const meter = new PrometheusMeter(options);
  const fleet = new FleetSeries();
  const share = options.fleet;
  const stopFlushing = share ? flushEvery(fleet, share.store, share.flushEveryMs ?? 1000, share.onError ?? (() => undefined)) : undefined;
  const fleetTotals = share?.serve === 'fleet' ? cached(share.cacheMs ?? 1000, () => share.store.totals()) : undefined;
  const registry: MetricsExposition = {
    contentType: meter.contentType,
    async metrics() {
      // The fleet's totals unreadable (Redis down): the series are left out rather than shown wrong.
      const totals = fleetTotals ? await fleetTotals().catch(() => ({})) : fleet.ownTotals();
      const own = await meter.metrics();
      return `${own}${own.endsWith('\n') || own === '' ? '' : '\n'}${fleet.render(totals)}`;
    },
  };
  return {
    meter,
    fleet,
    /** What `/metrics` serves. */
    registry,
    runs: fleet.counter('baton_runs_total', { help: 'Finished runs by status', labelNames: ['status'] }),
    steps: fleet.counter('baton_steps_total', { help: 'Finished step attempts by agent and status', labelNames: ['agent', 'status'] }),
    stepDuration: fleet.histogram('baton_step_duration_seconds', { help: 'Agent run time per attempt', labelNames: ['agent'], buckets: SECONDS }),
    queueWait: fleet.histogram('baton_step_queue_wait_seconds', { help: 'Time from enqueue to start', labelNames: ['agent'], buckets: SECONDS }),
    reconcilerRepairs: fleet.counter('baton_reconciler_repairs_total', {
      help: 'Steps the reconciler repaired, by kind: requeued (job lost), timedOut (deadline passed, worker gone), lost (failed WORKER_LOST)',
      labelNames: ['kind'],
    }),
    eagerDispatches: fleet.counter('baton_eager_dispatches_total', { help: 'Steps a worker ran at once after the commit that made them ready, without a BullMQ job (BATON_EAGER_DISPATCH)', labelNames: ['agent'] }),
    agentAutoPauses: fleet.counter('baton_agent_auto_pauses_total', { help: 'Agents paused fleet-wide because their failure rate passed BATON_AUTO_PAUSE', labelNames: ['agent'] }),
    httpRequests: meter.counter('baton_http_requests_total', { help: 'HTTP requests', labelNames: ['method', 'route', 'status'] }),
    httpDuration: meter.histogram('baton_http_request_duration_seconds', { help: 'HTTP request duration', labelNames: ['method', 'route'], buckets: SECONDS }),
    queueJobs: meter.gauge('baton_queue_jobs', { help: 'BullMQ jobs per agent queue and state, read at scrape', labelNames: ['queue', 'state'] }),
    agentWorkers: meter.gauge('baton_agent_workers', { help: 'Live workers (heartbeat within its ttl) serving each known agent', labelNames: ['agent'] }),
    /** Stops sharing: the counts not yet flushed are flushed once more. */
    close: async () => stopFlushing?.(),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
