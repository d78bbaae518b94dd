import { queueName } from '@baton/queue';
import type { AgentDirectory } from '@baton/runtime';
import type { Metrics } from '@baton/telemetry';

/** The BullMQ states `baton_queue_jobs` reports. */
export const QUEUE_STATES = ['waiting', 'prioritized', 'delayed', 'active', 'failed'] as const;

/** How long one reading serves scrapes: several scrapers (or api instances behind one) cost Redis one reading. */
const CACHE_MS = 2000;

/**
 * Sets `baton_agent_workers{agent}` and `baton_queue_jobs{queue,state}` before each scrape, from
 * the agent registry (every known agent, live workers) and each agent queue's BullMQ counts, read
 * at most once per {@link CACHE_MS}. Unreadable (Redis down): the gauges keep their last values
 * and the scrape still answers; `/readyz` says Redis is down.
 */
export function collectFleetGauges(
  metrics: Pick<Metrics, 'meter' | 'agentWorkers' | 'queueJobs'>,
  agents: Pick<AgentDirectory, 'list'>,
  jobCounts: (agent: string) => Promise<Record<string, number>>,
): void {
  let last: { at: number; reading: Promise<void> } | undefined;
  const read = async () => {
    const list = await agents.list();
    const counts = await Promise.all(list.map((a) => jobCounts(a.name)));
    list.forEach((agent, i) => {
      metrics.agentWorkers.set(agent.workers, { agent: agent.name });
      for (const state of QUEUE_STATES) metrics.queueJobs.set(counts[i]?.[state] ?? 0, { queue: queueName(agent.name), state });
    });
  };
  metrics.meter.onCollect(() => {
    if (!last || Date.now() - last.at >= CACHE_MS) {
      const reading = read();
      reading.catch(() => (last = undefined));
      last = { at: Date.now(), reading };
    }
    return last.reading;
  });
}
