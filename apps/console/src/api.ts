// The console's data layer: @baton/client, and what the console adds to it (logging out on a 401).
import { BatonApiError, BatonClient, type components, type ListRunsFilter, type RunEvent } from '@baton/client';
import type { Session } from './session';

export { BatonApiError };
export type {
  Agent, Run, RunEvent, RunPage, RunStatus, RunSummary, Stats, Step, Template, TemplateDiff, TemplatePage, TemplateSummary,
} from '@baton/client';
export type RunDefinition = components['schemas']['RunDefinition'];
export type StepDetail = components['schemas']['StepDetail'];
/** The part of a step definition the graph reads. */
export interface StepDefinition { id: string; agent?: string; workflow?: string; needs?: string[]; forEach?: string; handoffs?: string[] }

export const RUN_STATUSES = ['queued', 'running', 'succeeded', 'failed', 'cancelled'] as const;

const segment = encodeURIComponent;

/**
 * The client of one session: the key (or none, when the api runs open) in the `X-API-Key`
 * header of every call, the event stream included, and `onUnauthenticated` told of any 401.
 */
export class Api {
  readonly client: BatonClient;

  constructor(session: Session, private readonly onUnauthenticated: () => void = () => {}) {
    this.client = new BatonClient({ baseUrl: location.origin, ...(session.kind === 'key' ? { apiKey: session.key } : {}) });
  }

  /** `call`'s answer, a 401 logging the session out on its way. */
  private async watch<T>(call: Promise<T>): Promise<T> {
    try {
      return await call;
    } catch (err) {
      if (err instanceof BatonApiError && err.status === 401) this.onUnauthenticated();
      throw err;
    }
  }

  listRuns(filter: ListRunsFilter) { return this.watch(this.client.list(filter)); }
  getRun(id: string) { return this.watch(this.client.get(id)); }
  cancelRun(id: string) { return this.watch(this.client.cancel(id)); }
  retryRun(id: string) { return this.watch(this.client.retry(id)); }
  submitRun(body: { template?: string; version?: number; workflow?: unknown; input?: unknown }) { return this.watch(this.client.submit(body)); }
  listTemplates() { return this.watch(this.client.templates.list({ limit: 200 })); }
  getTemplate(name: string, version?: number) { return this.watch(this.client.templates.get(name, version)); }
  diffTemplate(name: string, from: number, to: number) { return this.watch(this.client.templates.diff(name, from, to)); }
  listAgents() { return this.watch(this.client.agents()); }
  stats(window: string) { return this.watch(this.client.stats({ window })); }
  // Routes the client has no method for: through its `request`.
  async getRunDefinition(id: string) { return (await this.watch(this.client.request<RunDefinition>('GET', `/v1/runs/${segment(id)}/definition`))).body; }
  async getStep(id: string, key: string) { return (await this.watch(this.client.request<StepDetail>('GET', `/v1/runs/${segment(id)}/steps/${segment(key)}`))).body; }

  /** The run's events, replayed then live, until its final event (the client reconnects a broken stream with Last-Event-ID). */
  async *events(id: string, signal: AbortSignal): AsyncGenerator<RunEvent, void, undefined> {
    try {
      yield* this.client.events(id, { signal });
    } catch (err) {
      if (err instanceof BatonApiError && err.status === 401) this.onUnauthenticated();
      throw err;
    }
  }
}

/** Checks a session against the api: resolves when it may read runs. */
export async function probe(session: Session): Promise<void> {
  await new Api(session).listRuns({ limit: 1 });
}
