import type { Principal, Role } from '@baton/auth';
import { BatonError } from '@baton/core';
import { runtimeFixture, type RuntimeFixtureOptions } from '../runtime-fixture.test-helper';
import type { AgentDirectory } from './agent-directory';
import type { UseCaseDeps } from './use-case-deps';

/** The callers of the tests: one of each role in tenant `t`, and an admin of tenant `u`. */
export const callers = {
  admin: { tenant: 't', role: 'admin', subject: 'admin-key' },
  operator: { tenant: 't', role: 'operator', subject: 'op-key' },
  submitter: { tenant: 't', role: 'submitter', subject: 'alice' },
  otherSubmitter: { tenant: 't', role: 'submitter', subject: 'bob' },
  viewer: { tenant: 't', role: 'viewer', subject: 'viewer-key' },
  stranger: { tenant: 'u', role: 'admin', subject: 'u-admin' },
} satisfies Record<string, Principal & { role: Role }>;

export const LAST_SEEN = '2026-01-02T03:04:05.000Z';

/** The agents workers registered; `down` makes it answer as the api's adapter does with Redis down. */
export class FakeAgentDirectory implements AgentDirectory {
  down = false;
  /** Agents whose workers have all gone (0 live workers), last seen at `LAST_SEEN`. */
  readonly offline = new Set<string>();
  constructor(readonly names = new Set(['echo', 'classify'])) {}

  async list() {
    if (this.down) throw new BatonError('UNAVAILABLE', 'Redis is unavailable');
    return [...this.names].map((name) => ({ name, workers: this.offline.has(name) ? 0 : 1, lastSeenAt: LAST_SEEN }));
  }

  async known(): Promise<Set<string>> {
    if (this.down) throw new BatonError('UNAVAILABLE', 'Redis is unavailable: no step can be enqueued');
    return this.names;
  }
}

/** The use cases' dependencies on a real runtime over the in-memory store. */
export function useCaseFixture(options: RuntimeFixtureOptions & { viewBudgetBytes?: number; checkLimits?: UseCaseDeps['limits'] } = {}) {
  const fixture = runtimeFixture(options);
  const agents = new FakeAgentDirectory();
  const deps: UseCaseDeps = {
    runtime: fixture.runtime,
    queries: fixture.queries,
    agents,
    viewBudgetBytes: options.viewBudgetBytes ?? 1024 * 1024,
    limits: options.checkLimits,
  };
  return { ...fixture, agents, deps };
}

/** A workflow as a client sends it. */
export const echoChain = (name = 'echo-chain') => ({
  name,
  steps: [{ id: 'a', agent: 'echo', input: { v: '{{ $input.v ?? null }}' } }, { id: 'b', agent: 'echo', needs: ['a'] }],
});
