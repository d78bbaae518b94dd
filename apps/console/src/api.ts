// The console's data layer: @baton/client, and what the console adds to it (logging out on a 401).
import {
  BatonApiError, BatonClient, type BulkAction, type components, type ForkRequest, type ListRunsFilter, type RerunRequest, type RunEvent, type StartBulkOperationRequest,
} from '@baton/client';
import type { Session } from './session';

export { BatonApiError };
export type {
  Agent, BulkAction, BulkFilter, BulkOperation, RerunRequest, Run, RunEvent, RunPage, RunStatus, RunSummary, Stats, Step, Template, TemplateDiff, TemplatePage, TemplateSummary,
} from '@baton/client';
export type RunDefinition = components['schemas']['RunDefinition'];
export type StepDetail = components['schemas']['StepDetail'];
/** The part of a step definition the graph reads. */
export interface StepDefinition { id: string; agent?: string; workflow?: string; needs?: string[]; forEach?: string; handoffs?: string[] }

export const RUN_STATUSES = ['queued', 'running', 'paused', 'succeeded', 'failed', 'cancelled'] as const;
export const BULK_ACTIONS = ['cancel', 'retry', 'pause', 'resume'] as const satisfies readonly BulkAction[];

const segment = encodeURIComponent;

/** What an operator's button needs of the key's role (the api's permission names, route-permissions.ts). */
export type Permission = 'run.retry' | 'template.write' | 'admin.manage';

/**
 * The client of one session: the key (or none, when the api runs open) in the `X-API-Key`
 * header of every call, the event stream included, and `onUnauthenticated` told of any 401.
 */
export class Api {
  readonly client: BatonClient;

  constructor(session: Session, private readonly onUnauthenticated: () => void = () => {}) {
    this.client = new BatonClient({ baseUrl: location.origin, ...(session.kind === 'key' ? { apiKey: session.key } : {}) });
  }

  /**
   * The permissions (the api's names) this session's key was refused: the api has no route that
   * tells a key its role, so the console learns from a 403 and then disables the buttons needing it.
   */
  readonly refused = new Set<Permission>();

  /** `call`'s answer, a 401 logging the session out on its way, a 403 remembered against `permission`. */
  private async watch<T>(call: Promise<T>, permission?: Permission): Promise<T> {
    try {
      return await call;
    } catch (err) {
      if (err instanceof BatonApiError && err.status === 401) this.onUnauthenticated();
      // A refused agent allow-list comes with details, and says nothing of the role.
      if (err instanceof BatonApiError && err.status === 403 && err.details.length === 0 && permission) this.refused.add(permission);
      throw err;
    }
  }

  listRuns(filter: ListRunsFilter) { return this.watch(this.client.list(filter)); }
  getRun(id: string) { return this.watch(this.client.get(id)); }
  cancelRun(id: string) { return this.watch(this.client.cancel(id)); }
  retryRun(id: string) { return this.watch(this.client.retry(id), 'run.retry'); }
  submitRun(body: { template?: string; version?: number; workflow?: unknown; input?: unknown }) { return this.watch(this.client.submit(body)); }
  pauseRun(id: string) { return this.watch(this.client.pause(id), 'run.retry'); }
  resumeRun(id: string) { return this.watch(this.client.resume(id), 'run.retry'); }
  rerunRun(id: string, request: RerunRequest) { return this.watch(this.client.rerun(id, request), 'run.retry'); }
  forkRun(id: string, request: ForkRequest) { return this.watch(this.client.fork(id, request), 'run.retry'); }
  pauseTemplate(name: string) { return this.watch(this.client.templates.pause(name), 'template.write'); }
  resumeTemplate(name: string) { return this.watch(this.client.templates.resume(name), 'template.write'); }
  pauseAgent(name: string) { return this.watch(this.client.pauseAgent(name), 'admin.manage'); }
  resumeAgent(name: string) { return this.watch(this.client.resumeAgent(name), 'admin.manage'); }
  startBulkOperation(request: StartBulkOperationRequest) { return this.watch(this.client.bulkOperations.start(request), 'run.retry'); }
  getBulkOperation(id: string) { return this.watch(this.client.bulkOperations.get(id)); }
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
