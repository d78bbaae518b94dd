/** The key prefix of every Baton key in Redis (BullMQ's `prefix`) unless configured otherwise. */
export const DEFAULT_PREFIX = 'baton';

const AGENT_QUEUE = 'agent.';

/**
 * The BullMQ queue that carries an agent's step jobs: `agent.<name>`.
 * @throws RangeError when the name is empty or holds `:` (BullMQ refuses it in queue names).
 */
export function queueName(agent: string): string {
  if (agent.length === 0 || agent.includes(':')) throw new RangeError(`invalid agent name for a queue: ${JSON.stringify(agent)}`);
  return AGENT_QUEUE + agent;
}

/** The agent an `agent.<name>` queue serves, or undefined for any other queue. */
export function agentOfQueue(name: string): string | undefined {
  return name.startsWith(AGENT_QUEUE) && name.length > AGENT_QUEUE.length ? name.slice(AGENT_QUEUE.length) : undefined;
}
