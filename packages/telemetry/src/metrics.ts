import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** Baton's Prometheus series (API.md, Operations). One registry per process. */
export function createMetrics(options: { defaultMetrics?: boolean } = {}) {
  const registry = new Registry();
  if (options.defaultMetrics !== false) collectDefaultMetrics({ register: registry });
  const seconds = [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 30, 120];
  return {
    registry,
    runs: new Counter({ name: 'baton_runs_total', help: 'Finished runs by status', labelNames: ['status'], registers: [registry] }),
    steps: new Counter({ name: 'baton_steps_total', help: 'Finished step attempts by agent and status', labelNames: ['agent', 'status'], registers: [registry] }),
    stepDuration: new Histogram({ name: 'baton_step_duration_seconds', help: 'Agent run time per attempt', labelNames: ['agent'], buckets: seconds, registers: [registry] }),
    queueWait: new Histogram({ name: 'baton_step_queue_wait_seconds', help: 'Time from enqueue to start', labelNames: ['agent'], buckets: seconds, registers: [registry] }),
    httpRequests: new Counter({ name: 'baton_http_requests_total', help: 'HTTP requests', labelNames: ['method', 'route', 'status'], registers: [registry] }),
    httpDuration: new Histogram({ name: 'baton_http_request_duration_seconds', help: 'HTTP request duration', labelNames: ['method', 'route'], buckets: seconds, registers: [registry] }),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
