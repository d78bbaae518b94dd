import { AgentConfigError, startAgent, type Agent, type StartedAgent } from '@baton/agent-sdk';
import type { Logger, LogMeta } from '@baton/core';
import { AgentLoadError } from './agent-load-error';
import { LoadedAgents } from './loaded-agents';

/** @see AgentCatalog.start */
export interface StartAgentsOptions {
  /** The agents to serve (`WORKER_AGENTS`); every agent of the catalog when absent. */
  names?: readonly string[];
  /**
   * Each agent's config object by agent name (`BATON_AGENT_CONFIG`). An agent without an entry
   * gets `{}`. An entry for an agent the catalog does not hold is refused (a typo would
   * otherwise go unseen); one for an agent not served is ignored.
   * @defaultValue `{}`
   */
  config?: Readonly<Record<string, unknown>>;
  /** Given to each setup, with the agent's name in every line. */
  logger: Logger;
  /** Aborted when the worker shuts down; each setup gets it. */
  signal?: AbortSignal;
}

const withAgent = (logger: Logger, agent: string): Logger => ({
  info: (message: string, meta?: LogMeta) => logger.info(message, { agent, ...meta }),
  warn: (message: string, meta?: LogMeta) => logger.warn(message, { agent, ...meta }),
  error: (message: string, meta?: LogMeta) => logger.error(message, { agent, ...meta }),
});

const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/**
 * The agents a worker can serve, by name: the built-ins, the agents of its modules
 * (`BATON_AGENT_MODULES`), and any given in code. In-process, unlike `@baton/queue`'s
 * `AgentRegistry` (which records in Redis what live workers serve). `start` sets up the ones
 * served and returns them as {@link LoadedAgents}, which closes them at shutdown.
 */
export class AgentCatalog {
  private readonly entries = new Map<string, { agent: Agent; origin: string }>();

  /**
   * Adds agents, in order.
   * @param origin - where they come from, for messages: `built-in`, a module's name.
   * @throws AgentLoadError when a name is taken already, naming both origins; nothing is added then.
   */
  add(agents: Iterable<Agent>, origin: string): this {
    const adding = new Map<string, Agent>();
    for (const agent of agents) {
      const taken = this.entries.get(agent.name)?.origin ?? (adding.has(agent.name) && adding.get(agent.name) !== agent ? origin : undefined);
      if (taken !== undefined) throw new AgentLoadError(`agent "${agent.name}" of ${origin} is defined already by ${taken}: agent names must be unique`);
      adding.set(agent.name, agent);
    }
    for (const agent of adding.values()) this.entries.set(agent.name, { agent, origin });
    return this;
  }

  /** Every agent name, in the order they were added. */
  get names(): string[] {
    return [...this.entries.keys()];
  }

  get(name: string): Agent | undefined {
    return this.entries.get(name)?.agent;
  }

  /**
   * The agents named, in catalog order; all of them without names.
   * @throws AgentLoadError listing the names the catalog does not hold.
   */
  select(names?: readonly string[]): Agent[] {
    if (!names) return [...this.entries.values()].map((e) => e.agent);
    const unknown = names.filter((name) => !this.entries.has(name));
    if (unknown.length > 0) throw new AgentLoadError(`unknown agents in WORKER_AGENTS: ${unknown.join(', ')} (known: ${this.names.join(', ')})`);
    return [...this.entries.values()].filter((e) => names.includes(e.agent.name)).map((e) => e.agent);
  }

  /**
   * Parses the config of each agent served and runs its `setup`, one after the other in catalog
   * order, each once. When one fails, those already set up are closed (in reverse order) and
   * nothing is served.
   * @throws AgentLoadError naming the agent whose config was refused or whose setup failed, an
   *   unknown name, or a config entry for an agent the catalog does not hold.
   */
  async start(options: StartAgentsOptions): Promise<LoadedAgents> {
    const served = this.select(options.names);
    const config = options.config ?? {};
    const strays = Object.keys(config).filter((name) => !this.entries.has(name));
    if (strays.length > 0) throw new AgentLoadError(`BATON_AGENT_CONFIG has entries for unknown agents: ${strays.join(', ')} (known: ${this.names.join(', ')})`);
    const signal = options.signal ?? new AbortController().signal;
    const started: StartedAgent[] = [];
    try {
      for (const agent of served) {
        const logger = withAgent(options.logger, agent.name);
        const entry = Object.hasOwn(config, agent.name) ? config[agent.name] : undefined;
        try {
          started.push(await startAgent(agent, entry, { logger, signal }));
        } catch (error) {
          if (error instanceof AgentConfigError) throw new AgentLoadError(`${error.message} (BATON_AGENT_CONFIG)`, { cause: error });
          throw new AgentLoadError(`agent "${agent.name}" (${this.entries.get(agent.name)!.origin}) failed to set up: ${messageOf(error)}`, { cause: error });
        }
      }
    } catch (error) {
      await new LoadedAgents(started, options.logger).close();
      throw error;
    }
    return new LoadedAgents(started, options.logger);
  }
}
