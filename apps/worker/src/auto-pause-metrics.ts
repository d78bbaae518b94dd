import type { AgentPauses } from '@baton/runtime';
import type { Counter, Logger } from '@baton/core';
import { FailureRateTrip, type AutoPauseConfig } from './auto-pause';
import type { StepMetrics } from './step-metrics';

/**
 * `metrics` that also feed each finished attempt to the auto-pause: an agent whose failure rate
 * trips it is paused fleet-wide (its queue and a record `by: auto`), counted in
 * `baton_agent_auto_pauses_total` and logged. Without a config, `metrics` as they are.
 */
export function withAutoPause(metrics: StepMetrics, config: AutoPauseConfig | undefined, deps: { pauses: Pick<AgentPauses, 'pause'>; trips: Counter; logger: Logger }): StepMetrics {
  if (!config) return metrics;
  const trip = new FailureRateTrip(config);
  return {
    ...metrics,
    finished(agent, status) {
      metrics.finished(agent, status);
      if (status === 'cancelled') return;
      const rate = trip.record(agent, status !== 'succeeded', Date.now());
      if (rate === undefined) return;
      const reason = `${Math.round(rate * 100)}% of its last attempts failed (BATON_AUTO_PAUSE: ${config.failureRate * 100}% over ${config.windowMs} ms, at least ${config.minSteps})`;
      deps.trips.inc({ agent });
      deps.logger.warn('agent auto-paused', { agent, reason });
      deps.pauses.pause(agent, { by: 'auto', reason, at: new Date() }).catch((err: unknown) => deps.logger.error('could not auto-pause the agent', { agent, error: String(err) }));
    },
  };
}
