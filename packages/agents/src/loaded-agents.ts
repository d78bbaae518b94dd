import type { Agent, StartedAgent } from '@baton/agent-sdk';
import type { Logger } from '@baton/core';

/**
 * The agents a worker serves, set up (made by {@link AgentCatalog.start}): each with the `deps`
 * its `setup` returned, for `executeAgent`. `close` runs their `close` in reverse order.
 */
export class LoadedAgents {
  private readonly byName: ReadonlyMap<string, StartedAgent>;
  private closing: Promise<void> | undefined;

  constructor(
    private readonly started: readonly StartedAgent[],
    private readonly logger: Logger,
  ) {
    this.byName = new Map(started.map((s) => [s.agent.name, s]));
  }

  /** The agents served, in the order they were set up. */
  get agents(): Agent[] {
    return this.started.map((s) => s.agent as Agent);
  }

  get names(): string[] {
    return this.started.map((s) => s.agent.name);
  }

  /** The agent served under `name`, with its `deps`; undefined when this worker does not serve it. */
  get(name: string): StartedAgent | undefined {
    return this.byName.get(name);
  }

  /**
   * Closes every agent, last set up first, after the worker's last job. One that fails is logged
   * and the others still close. Idempotent.
   */
  close(): Promise<void> {
    return (this.closing ??= (async () => {
      for (const started of [...this.started].reverse()) {
        await started.close().catch((error: unknown) =>
          this.logger.warn('closing an agent failed', { agent: started.agent.name, error: error instanceof Error ? error.message : String(error) }),
        );
      }
    })());
  }
}
