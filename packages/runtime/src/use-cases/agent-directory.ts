/** One registered agent, as `GET /v1/agents` lists it. */
export interface AgentInfo {
  name: string;
  description?: string;
  /** Live workers serving it. */
  workers: number;
  lastSeenAt: string | number | Date | null;
}

/**
 * The agents workers registered: a port of the use cases. The api's adapter joins the Redis
 * registry (`AgentRegistry` of `@baton/queue`: live workers) and Postgres (every agent ever registered).
 */
export interface AgentDirectory {
  list(): Promise<AgentInfo[]>;
  /**
   * Every agent some worker has ever registered: a workflow naming another is a 400.
   * @throws BatonError UNAVAILABLE when the agents cannot be known now (Redis down: no step could be enqueued anyway)
   */
  known(): Promise<Set<string>>;
}
