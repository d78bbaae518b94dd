// The console's data layer: @baton/client, and what the console adds to it (logging out on a 401).
import { BatonApiError, BatonClient, type components, type ListRunsFilter, type RunEvent, type RunStatus } from '@baton/client';
import type { Session } from './session';

export { BatonApiError };
// Until the client's types carry them (h/opscli).
export type Run = components['schemas']['Run'] & { forkedFrom?: { id: string; step: string }; pausedBy?: string };
export type Agent = components['schemas']['AgentList']['items'][number] & { paused?: { by: string; reason?: string; at: string } };
export type Template = components['schemas']['Template'] & { paused?: { by: string; at: string } };
export type {
  RunEvent, RunPage, RunStatus, RunSummary, Stats, Step, TemplateDiff, TemplatePage, TemplateSummary,
} from '@baton/client';
export type RunDefinition = components['schemas']['RunDefinition'];
export type StepDetail = components['schemas']['StepDetail'];
/** The part of a step definition the graph reads. */
export interface StepDefinition { id: string; agent?: string; workflow?: string; needs?: string[]; forEach?: string; handoffs?: string[] }

export const RUN_STATUSES = ['queued', 'running', 'paused', 'succeeded', 'failed', 'cancelled'] as const;
export const BULK_ACTIONS = ['cancel', 'retry', 'pause', 'resume'] as const;
export type BulkAction = (typeof BULK_ACTIONS)[number];
export type BulkOperation = components['schemas']['BulkOperation'];
export interface BulkFilter { status?: RunStatus[]; workflow?: string; template?: string; createdAfter?: string; createdBefore?: string }
/** Re-run or fork from a step (its id), with an edited input for it. */
export interface FromStep { fromStep: string; input?: unknown }

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
  getRun(id: string) { return this.watch(this.client.get(id)) as Promise<Run>; }
  cancelRun(id: string) { return this.watch(this.client.cancel(id)); }
  retryRun(id: string) { return this.watch(this.client.retry(id), 'run.retry'); }
  submitRun(body: { template?: string; version?: number; workflow?: unknown; input?: unknown }) { return this.watch(this.client.submit(body)); }
  async pauseRun(id: string) { return (await this.watch(this.client.request<{ id: string; status: string }>('POST', `/v1/runs/${segment(id)}/pause`), 'run.retry')).body; }
  async resumeRun(id: string) { return (await this.watch(this.client.request<{ id: string; status: string }>('POST', `/v1/runs/${segment(id)}/resume`), 'run.retry')).body; }
  async rerunRun(id: string, body: FromStep) { return (await this.watch(this.client.request<{ id: string; status: string }>('POST', `/v1/runs/${segment(id)}/rerun`, { body }), 'run.retry')).body; }
  async forkRun(id: string, body: FromStep & { version?: number }) { return (await this.watch(this.client.request<{ id: string }>('POST', `/v1/runs/${segment(id)}/fork`, { body }), 'run.retry')).body; }
  async pauseTemplate(name: string) { return (await this.watch(this.client.request<{ name: string; paused: true }>('POST', `/v1/templates/${segment(name)}/pause`), 'template.write')).body; }
  async resumeTemplate(name: string) { return (await this.watch(this.client.request<{ name: string; paused: false; resumedRuns: number }>('POST', `/v1/templates/${segment(name)}/resume`), 'template.write')).body; }
  async pauseAgent(name: string) { return (await this.watch(this.client.request<{ name: string; paused: true }>('POST', `/v1/agents/${segment(name)}/pause`), 'admin.manage')).body; }
  async resumeAgent(name: string) { return (await this.watch(this.client.request<{ name: string; paused: false }>('POST', `/v1/agents/${segment(name)}/resume`), 'admin.manage')).body; }
  async startBulkOperation(body: { action: BulkAction; filter: BulkFilter }) { return (await this.watch(this.client.request<{ id: string }>('POST', '/v1/bulk-operations', { body }), 'run.retry')).body; }
  async getBulkOperation(id: string) { return (await this.watch(this.client.request<BulkOperation>('GET', `/v1/bulk-operations/${segment(id)}`))).body; }
  listTemplates() { return this.watch(this.client.templates.list({ limit: 200 })); }
  getTemplate(name: string, version?: number) { return this.watch(this.client.templates.get(name, version)) as Promise<Template>; }
  diffTemplate(name: string, from: number, to: number) { return this.watch(this.client.templates.diff(name, from, to)); }
  listAgents() { return this.watch(this.client.agents()) as Promise<Agent[]>; }
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
