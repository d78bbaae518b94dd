// The console's data layer: every call to the api goes through here.
import type { Session } from './session';

export interface ApiProblem { path: string; message: string }

/** An answer of the api that is not a success: the API.md error shape, with the HTTP status. */
export class ApiError extends Error {
  constructor(readonly status: number, readonly code: string, message: string, readonly details: ApiProblem[] = []) {
    super(message);
  }
}

export type RunStatus = 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled';
export const RUN_STATUSES: RunStatus[] = ['queued', 'running', 'succeeded', 'failed', 'cancelled'];

export interface RunSummary {
  id: string; status: string; workflow: string; template?: string; version?: number;
  createdAt: string; startedAt?: string; finishedAt?: string;
}
export interface AttemptLogEntry { attempt: number; worker?: string; startedAt?: string; finishedAt?: string; error?: unknown }
export interface StepEntry {
  id: string; key: string; status: string; agent?: string; attempts: number; attemptLog?: AttemptLogEntry[];
  output?: unknown; error?: unknown; reason?: string; startedAt?: string; finishedAt?: string;
  waitingFor?: { agent: string; reason: string }; waitingForSignal?: { signal: string; timeoutAt?: string }; childRunId?: string;
}
export interface RunView extends RunSummary {
  input: unknown; output?: unknown; error?: unknown; parentRunId?: string; parentStepKey?: string; steps: StepEntry[];
}
export interface StepDefinition { id: string; agent?: string; workflow?: string; needs?: string[]; forEach?: string; handoffs?: string[] }
export interface RunDefinition { id: string; workflow: string; definition: { name?: string; steps?: StepDefinition[] } }
export interface RunEvent { seq: number; type: string; at: string; key?: string; attempt?: number; data?: Record<string, unknown> }
export interface TemplateSummary { name: string; latestVersion: number; description?: string }
export interface TemplateView { name: string; version: number; description?: string; definition: Record<string, unknown>; createdAt: string; createdBy?: string }
export type JsonChange = { op: 'added' | 'removed'; path: string; value: unknown } | { op: 'changed'; path: string; from: unknown; to: unknown };
export interface TemplateDiff { name: string; from: number; to: number; changes: JsonChange[] }
export interface Agent { name: string; description?: string; workers: number; status?: string; lastSeenAt?: string }
export interface Percentiles { p50: number | null; p95: number | null; p99: number | null }
export interface StatsGroup { count: number; successRate: number; throughputPerMinute: number; durationMs: Percentiles; queueWaitMs: Percentiles }
export interface Stats { window: string; agents: Array<StatsGroup & { agent: string }>; templates: Array<StatsGroup & { template: string; kind: string }> }
export interface Page<T> { items: T[]; nextCursor?: string }

const enc = encodeURIComponent;
const query = (params: Record<string, string | number | undefined>): string => {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== '') q.set(k, String(v));
  const s = q.toString();
  return s ? `?${s}` : '';
};

export class Api {
  constructor(private readonly session: Session, private readonly onUnauthenticated: () => void = () => {}) {}

  private headers(extra: Record<string, string> = {}): Record<string, string> {
    return this.session.kind === 'key' ? { 'X-API-Key': this.session.key, ...extra } : extra;
  }

  private async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const res = await fetch(path, {
      method,
      headers: this.headers(body === undefined ? {} : { 'Content-Type': 'application/json' }),
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (res.status === 401) this.onUnauthenticated();
    if (!res.ok) throw await errorOf(res);
    const text = await res.text();
    return (text ? JSON.parse(text) : undefined) as T;
  }

  listRuns(filter: { status?: string; template?: string; cursor?: string; limit?: number }) {
    return this.call<Page<RunSummary>>('GET', `/v1/runs${query(filter)}`);
  }
  getRun(id: string) { return this.call<RunView>('GET', `/v1/runs/${enc(id)}`); }
  getRunDefinition(id: string) { return this.call<RunDefinition>('GET', `/v1/runs/${enc(id)}/definition`); }
  getStep(id: string, key: string) { return this.call<StepEntry & { input?: unknown }>('GET', `/v1/runs/${enc(id)}/steps/${enc(key)}`); }
  history(id: string, after = 0) { return this.call<Page<RunEvent>>('GET', `/v1/runs/${enc(id)}/history${query({ after, limit: 1000 })}`); }
  cancelRun(id: string) { return this.call<unknown>('POST', `/v1/runs/${enc(id)}/cancel`); }
  retryRun(id: string) { return this.call<unknown>('POST', `/v1/runs/${enc(id)}/retry`); }
  submitRun(body: { template?: string; version?: number; workflow?: unknown; input?: unknown }) {
    return this.call<{ id: string; status: string }>('POST', '/v1/runs', body);
  }
  listTemplates(cursor?: string) { return this.call<Page<TemplateSummary>>('GET', `/v1/templates${query({ cursor, limit: 200 })}`); }
  getTemplate(name: string, version?: number) {
    return this.call<TemplateView>('GET', version === undefined ? `/v1/templates/${enc(name)}` : `/v1/templates/${enc(name)}/versions/${version}`);
  }
  diffTemplate(name: string, from: number, to: number) { return this.call<TemplateDiff>('GET', `/v1/templates/${enc(name)}/diff${query({ from, to })}`); }
  listAgents() { return this.call<Page<Agent>>('GET', '/v1/agents'); }
  stats(window = '1h') { return this.call<Stats>('GET', `/v1/stats${query({ window })}`); }

  /**
   * Follows a run's events (SSE through fetch, so the key travels in a header, not the URL),
   * from after `after`, until the run's final event or `signal` aborts. Resolves with the last
   * sequence number seen: the caller reconnects from it when the stream broke early.
   */
  async followEvents(id: string, after: number, onEvent: (event: RunEvent) => void, signal: AbortSignal): Promise<number> {
    const res = await fetch(`/v1/runs/${enc(id)}/events${query({ after })}`, { headers: this.headers({ Accept: 'text/event-stream' }), signal });
    if (res.status === 401) this.onUnauthenticated();
    if (!res.ok || !res.body) throw await errorOf(res);
    let last = after;
    const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = '';
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return last;
      buffer += value;
      // Events are separated by a blank line; a line `data: …` carries the event as JSON.
      let end: number;
      while ((end = buffer.search(/\r?\n\r?\n/)) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end).replace(/^\r?\n\r?\n/, '');
        const data = block.split(/\r?\n/).filter((line) => line.startsWith('data:')).map((line) => line.slice(5).trimStart()).join('\n');
        if (!data) continue;
        const event = JSON.parse(data) as RunEvent;
        last = Math.max(last, event.seq);
        onEvent(event);
      }
    }
  }
}

async function errorOf(res: Response): Promise<ApiError> {
  const body = (await res.json().catch(() => undefined)) as { error?: { code?: string; message?: string; details?: ApiProblem[] } } | undefined;
  const e = body?.error;
  return new ApiError(res.status, e?.code ?? 'HTTP_' + res.status, e?.message ?? `${res.status} ${res.statusText}`, e?.details ?? []);
}

/** Checks a session against the api: resolves when it may read runs. */
export async function probe(session: Session): Promise<void> {
  await new Api(session).listRuns({ limit: 1 });
}
