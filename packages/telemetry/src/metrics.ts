import { PrometheusMeter, type MetricsExposition } from './prometheus-meter';

/**
 * Baton's Prometheus series (API.md, Operations), recorded through core's `Meter` port: callers
 * see the port's instruments, never prom-client's types. A new series is one more line here.
 */
export function createMetrics(options: { defaultMetrics?: boolean } = {}) {
  const meter = new PrometheusMeter(options);
  const seconds = [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 30, 120];
  return {
    meter,
    /** What `/metrics` serves. */
    registry: meter as MetricsExposition,
    runs: meter.counter('baton_runs_total', { help: 'Finished runs by status', labelNames: ['status'] }),
    steps: meter.counter('baton_steps_total', { help: 'Finished step attempts by agent and status', labelNames: ['agent', 'status'] }),
    stepDuration: meter.histogram('baton_step_duration_seconds', { help: 'Agent run time per attempt', labelNames: ['agent'], buckets: seconds }),
    queueWait: meter.histogram('baton_step_queue_wait_seconds', { help: 'Time from enqueue to start', labelNames: ['agent'], buckets: seconds }),
    httpRequests: meter.counter('baton_http_requests_total', { help: 'HTTP requests', labelNames: ['method', 'route', 'status'] }),
    httpDuration: meter.histogram('baton_http_request_duration_seconds', { help: 'HTTP request duration', labelNames: ['method', 'route'], buckets: seconds }),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
