import { ReadThroughCache, type Meter } from '@baton/core';
import type { AgentRegistry } from '@baton/queue';
import type { AgentDirectory, AgentInfo } from './use-cases/agent-directory';

export interface CachedAgentDirectoryOptions {
  /** Live workers per agent, and the agents they registered (Redis). */
  registry: Pick<AgentRegistry, 'list' | 'known'>;
  /** Every agent ever registered, kept in Postgres so that a flushed Redis forgets none. */
  recorded: () => Promise<Set<string>>;
  /** How long the known agents and the live workers are served before they are read again, in ms. @defaultValue 2000 */
  ttlMs?: number;
  /** Where its `baton_cache_*{cache="agents"|"agent_workers"}` series go. @defaultValue none */
  meter?: Meter;
}

/**
 * The agent registry's reads, cached in this process: every submission asks which agents exist.
 * Entries are forgotten when any worker comes or goes ({@link forget}, on the registry's Redis
 * channel) and otherwise live `ttlMs`. The ttl alone is acceptable here, unlike for keys: a
 * missed change only shows a worker count a moment late or rejects a brand-new agent for a
 * moment, and a worker that dies unannounced is only ever seen through its heartbeat's ttl.
 */
export class CachedAgentDirectory implements AgentDirectory {
  private readonly names: ReadThroughCache<Set<string>>;
  private readonly live: ReadThroughCache<AgentInfo[]>;

  constructor(private readonly options: CachedAgentDirectoryOptions) {
    const shared = { maxEntries: 1, ttlMs: options.ttlMs ?? 2000, ...(options.meter ? { meter: options.meter } : {}) };
    this.names = new ReadThroughCache({ name: 'agents', ...shared });
    this.live = new ReadThroughCache({ name: 'agent_workers', ...shared });
  }

  /** Every known agent with its live workers; shared by callers, not to be changed. */
  list(): Promise<AgentInfo[]> {
    return this.live.get('all', () => this.options.registry.list());
  }

  /** The agents of Postgres and of the registry; shared by callers, not to be changed. */
  known(): Promise<Set<string>> {
    return this.names.get('all', async () => {
      const [recorded, registered] = await Promise.all([this.options.recorded(), this.options.registry.known()]);
      return new Set([...recorded, ...registered]);
    });
  }

  /** The registry changed (or changes may have gone unheard): read it again. */
  forget(): void {
    this.names.clear();
    this.live.clear();
  }
}
