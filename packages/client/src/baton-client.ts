import { BatonApiError, errorOf } from './baton-api-error';
import { runEvents, type RunEventsOptions } from './run-events';
import type {
  Agent, AgentPaused, AgentResumed, ApiKey, ApiKeyCreated, BulkOperation, BulkOperationStarted, CreateApiKeyRequest, EventPosted, ForkRequest, ListRunsFilter,
  RerunRequest, Run, RunChanged, RunEvent, RunHistory, RunPage, RunSubmitted, RunSummary, Schedule, Secret, SignalSent, StartBulkOperationRequest, Stats,
  Template, TemplateDiff, TemplatePage, TemplatePaused, TemplateResumed, TemplateSummary, SubmitRunRequest, BatchRunRequest, BatchSubmitted,
} from './types';

/** Options of {@link BatonClient}. */
export interface BatonClientOptions {
  /** Where the api answers, e.g. `http://localhost:8080` (a path prefix is kept). */
  baseUrl: string;
  /** Sent as `X-API-Key`. */
  apiKey?: string;
  /** Sent as `Authorization: Bearer`: a JWT, or an API key. */
  token?: string;
  /** Headers sent with every request (a proxy's, a tracing header). */
  headers?: Record<string, string>;
  /** The fetch to use. @defaultValue globalThis.fetch */
  fetch?: typeof fetch;
}

/** Per call: an AbortSignal ends it (the promise rejects with the signal's reason). */
export interface CallOptions {
  signal?: AbortSignal;
}

/** What {@link BatonClient.request} sends. */
export interface RequestOptions extends CallOptions {
  /** Query parameters; undefined ones are left out. */
  query?: Record<string, string | number | undefined>;
  /** Sent as JSON, or as it is when a string with a `contentType` other than JSON. */
  body?: unknown;
  /** The type of a string body sent as it is (e.g. `application/yaml`). @defaultValue application/json */
  contentType?: string;
  headers?: Record<string, string>;
}

/** How {@link BatonClient.waitFor} and `bulkOperations.waitFor` poll. */
export interface WaitOptions extends CallOptions {
  /** Between two polls. @defaultValue 250 */
  intervalMs?: number;
}

/** An answer: its status and its body (parsed JSON, else text; undefined when empty). */
export interface ApiAnswer<T> {
  status: number;
  body: T;
}

const FINAL_STATUSES = new Set(['succeeded', 'failed', 'cancelled']);
const segment = encodeURIComponent;

/** Calls `read` every `intervalMs` until `done` holds for its answer. */
async function poll<T>(read: () => Promise<T>, done: (value: T) => boolean, options: WaitOptions): Promise<T> {
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    await new Promise((resolve) => setTimeout(resolve, options.intervalMs ?? 250));
    options.signal?.throwIfAborted();
  }
}

/**
 * A typed client of Baton's HTTP API (v1). Every method rejects with {@link BatonApiError} on
 * an error answer or when the api cannot be reached. Works wherever `fetch` does (Node 20, browsers).
 */
export class BatonClient {
  private readonly baseUrl: string;
  private readonly headers: Record<string, string>;
  private readonly fetch: typeof fetch;

  constructor(options: BatonClientOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.headers = {
      ...options.headers,
      ...(options.apiKey === undefined ? {} : { 'x-api-key': options.apiKey }),
      ...(options.token === undefined ? {} : { authorization: `Bearer ${options.token}` }),
    };
    const f = options.fetch ?? globalThis.fetch;
    // Unbound, a browser's fetch throws "Illegal invocation".
    this.fetch = (input, init) => f(input, init);
  }

  /**
   * Any call of the api: the way to reach a route this client has no method for yet.
   * @throws BatonApiError on an error answer, or status 0 UNREACHABLE
   */
  async request<T = unknown>(method: string, path: string, options: RequestOptions = {}): Promise<ApiAnswer<T>> {
    const response = await this.send(method, path, options, 'application/json');
    const text = await response.text();
    if (!response.ok) throw errorOf(response, text);
    const json = /json/i.test(response.headers.get('content-type') ?? '');
    return { status: response.status, body: (text === '' ? undefined : json ? JSON.parse(text) : text) as T };
  }

  // Runs

  /** `POST /v1/runs`: a run of `workflow` (a definition) or `template`; 202, or 200 for an idempotency key used before with the same body. */
  async submit(request: SubmitRunRequest, options?: CallOptions): Promise<RunSubmitted> {
    const { idempotencyKey, ...body } = request;
    const headers = idempotencyKey === undefined ? undefined : { 'idempotency-key': idempotencyKey };
    return (await this.request<RunSubmitted>('POST', '/v1/runs', { ...options, body, headers })).body;
  }

  /**
   * `POST /v1/runs/batch`: up to 1,000 runs in one request, admitted together. Each is answered in
   * order, `{ id, status, created }` or `{ error }` (its own, paths under `runs[i]`); a malformed
   * batch or more than 1,000 runs is a 400 that admits none.
   */
  async submitBatch(runs: readonly BatchRunRequest[], options?: CallOptions): Promise<BatchSubmitted['items']> {
    return (await this.request<BatchSubmitted>('POST', '/v1/runs/batch', { ...options, body: { runs } })).body.items;
  }

  /** `GET /v1/runs/:id`. @throws BatonApiError RUN_NOT_FOUND (also another tenant's run) */
  async get(id: string, options?: CallOptions): Promise<Run> {
    return (await this.request<Run>('GET', `/v1/runs/${segment(id)}`, options)).body;
  }

  /** `GET /v1/runs`: one page, newest first; pass `nextCursor` back as `cursor` for the next. */
  async list(filter: ListRunsFilter = {}, options?: CallOptions): Promise<RunPage> {
    return (await this.request<RunPage>('GET', '/v1/runs', { ...options, query: { ...filter } })).body;
  }

  /** Every run matching `filter`, page after page (`limit` is the page size). */
  async *listAll(filter: Omit<ListRunsFilter, 'cursor'> = {}, options?: CallOptions): AsyncGenerator<RunSummary, void, undefined> {
    let cursor: string | undefined;
    do {
      const page = await this.list({ ...filter, ...(cursor === undefined ? {} : { cursor }) }, options);
      yield* page.items;
      cursor = page.nextCursor;
    } while (cursor !== undefined);
  }

  /** `POST /v1/runs/:id/cancel`. @throws BatonApiError RUN_FINISHED when it already ended */
  async cancel(id: string, options?: CallOptions): Promise<RunChanged> {
    return (await this.request<RunChanged>('POST', `/v1/runs/${segment(id)}/cancel`, options)).body;
  }

  /** `POST /v1/runs/:id/retry`: re-runs the failed and skipped steps of a failed run. @throws BatonApiError RUN_NOT_FAILED */
  async retry(id: string, options?: CallOptions): Promise<RunChanged> {
    return (await this.request<RunChanged>('POST', `/v1/runs/${segment(id)}/retry`, options)).body;
  }

  /**
   * `POST /v1/runs/:id/pause`: the run starts no new step until resumed; running steps finish. Pausing
   * twice changes nothing. The answer's `status` is the run's now. @throws BatonApiError RUN_FINISHED
   */
  async pause(id: string, options?: CallOptions): Promise<RunChanged> {
    return (await this.request<RunChanged>('POST', `/v1/runs/${segment(id)}/pause`, options)).body;
  }

  /** `POST /v1/runs/:id/resume`: a paused run goes on where it stopped. @throws BatonApiError RUN_FINISHED */
  async resume(id: string, options?: CallOptions): Promise<RunChanged> {
    return (await this.request<RunChanged>('POST', `/v1/runs/${segment(id)}/resume`, options)).body;
  }

  /**
   * `POST /v1/runs/:id/rerun`: a finished run again from `fromStep` (with `input`, when given) and
   * everything downstream; upstream outputs kept. @throws BatonApiError RUN_NOT_FINISHED, VALIDATION_FAILED
   */
  async rerun(id: string, request: RerunRequest, options?: CallOptions): Promise<RunChanged> {
    return (await this.request<RunChanged>('POST', `/v1/runs/${segment(id)}/rerun`, { ...options, body: request })).body;
  }

  /**
   * `POST /v1/runs/:id/fork`: a new run (its `forkedFrom` names the origin) re-running from `fromStep`,
   * upstream outputs copied; `version` runs another version of the run's template. @throws BatonApiError VALIDATION_FAILED
   */
  async fork(id: string, request: ForkRequest, options?: CallOptions): Promise<RunSubmitted> {
    return (await this.request<RunSubmitted>('POST', `/v1/runs/${segment(id)}/fork`, { ...options, body: request })).body;
  }

  /** `POST /v1/runs/:id/signals/:name`: `payload` (any JSON, null when absent) becomes the output of the step waiting for the signal. */
  async signal(id: string, name: string, payload: unknown = null, options?: CallOptions): Promise<SignalSent> {
    return (await this.request<SignalSent>('POST', `/v1/runs/${segment(id)}/signals/${segment(name)}`, { ...options, body: payload, contentType: 'application/json' })).body;
  }

  /** `GET /v1/runs/:id/history`: a page of the run's events after `after`. */
  async history(id: string, query: { after?: number; limit?: number } = {}, options?: CallOptions): Promise<RunHistory> {
    return (await this.request<RunHistory>('GET', `/v1/runs/${segment(id)}/history`, { ...options, query })).body;
  }

  /**
   * The run's events (`GET /v1/runs/:id/events`, Server-Sent Events) as an async iterator: replayed
   * after `options.after`, then live, ending after the run's final event; a broken stream is
   * resumed with `Last-Event-ID`. Stop early with `break` or `options.signal`.
   */
  events(id: string, options: RunEventsOptions = {}): AsyncGenerator<RunEvent, void, undefined> {
    return runEvents({
      openEvents: async (runId, lastEventId, signal) => {
        const response = await this.send('GET', `/v1/runs/${segment(runId)}/events`, { signal, headers: { 'last-event-id': String(lastEventId) } }, 'text/event-stream');
        if (!response.ok || !response.body) throw errorOf(response, await response.text());
        return response;
      },
      runStatus: async (runId, signal) => (await this.get(runId, { signal })).status,
    }, id, options);
  }

  /** Polls `GET /v1/runs/:id` until the run is final (succeeded, failed or cancelled). */
  async waitFor(id: string, options: WaitOptions = {}): Promise<Run> {
    return poll(() => this.get(id, options), (run) => FINAL_STATUSES.has(run.status), options);
  }

  /** `POST /v1/workflows/validate`: the checks of a submission, recording nothing. @throws BatonApiError VALIDATION_FAILED with every problem in `details` */
  async validate(workflow: unknown, options?: CallOptions): Promise<{ valid: true }> {
    return (await this.request<{ valid: true }>('POST', '/v1/workflows/validate', { ...options, body: { workflow } })).body;
  }

  /** `POST /v1/events`: starts every template whose `on` lists `type`. */
  async postEvent(type: string, payload?: unknown, options: CallOptions & { idempotencyKey?: string } = {}): Promise<EventPosted> {
    const headers = options.idempotencyKey === undefined ? undefined : { 'idempotency-key': options.idempotencyKey };
    return (await this.request<EventPosted>('POST', '/v1/events', { signal: options.signal, headers, body: payload === undefined ? { type } : { type, payload } })).body;
  }

  /** `GET /v1/payloads/:id`: a value returned as a `{ "$ref": "/v1/payloads/<id>" }` link. */
  async payload(ref: string, options?: CallOptions): Promise<unknown> {
    const id = ref.startsWith('/v1/payloads/') ? ref.slice('/v1/payloads/'.length) : ref;
    return (await this.request('GET', `/v1/payloads/${segment(id)}`, options)).body;
  }

  /** `GET /v1/stats`: per agent and per template over `window` (`1h` by default on the api; from 1m to 7d). */
  async stats(query: { window?: string } = {}, options?: CallOptions): Promise<Stats> {
    return (await this.request<Stats>('GET', '/v1/stats', { ...options, query })).body;
  }

  /** `GET /v1/agents`: the agents live workers serve. */
  async agents(options?: CallOptions): Promise<Agent[]> {
    return (await this.request<{ items: Agent[] }>('GET', '/v1/agents', options)).body.items;
  }

  /** `POST /v1/agents/:name/pause` (admins): no worker takes a new step of the agent, for every tenant; running ones finish. @throws BatonApiError AGENT_NOT_FOUND */
  async pauseAgent(name: string, options?: CallOptions): Promise<AgentPaused> {
    return (await this.request<AgentPaused>('POST', `/v1/agents/${segment(name)}/pause`, options)).body;
  }

  /** `POST /v1/agents/:name/resume` (admins): paused by hand or by the auto-pause. @throws BatonApiError AGENT_NOT_FOUND */
  async resumeAgent(name: string, options?: CallOptions): Promise<AgentResumed> {
    return (await this.request<AgentResumed>('POST', `/v1/agents/${segment(name)}/resume`, options)).body;
  }

  /** `GET /v1/schedules`: templates with a cron schedule and their next fire time. */
  async schedules(options?: CallOptions): Promise<Schedule[]> {
    return (await this.request<{ items: Schedule[] }>('GET', '/v1/schedules', options)).body.items;
  }

  // Templates

  readonly templates = {
    /**
     * `PUT /v1/templates/:name`: stores `definition` (an object, or YAML text) as the next version;
     * `created` is false when it equals the latest version.
     */
    put: async (name: string, definition: unknown, options?: CallOptions): Promise<{ name: string; version: number; created: boolean }> => {
      const body = typeof definition === 'string' ? { body: definition, contentType: 'application/yaml' } : { body: definition };
      const answer = await this.request<{ name: string; version: number }>('PUT', `/v1/templates/${segment(name)}`, { ...options, ...body });
      return { ...answer.body, created: answer.status === 201 };
    },
    /** `GET /v1/templates`: a page, by name. */
    list: async (page: { limit?: number; cursor?: string } = {}, options?: CallOptions): Promise<TemplatePage> =>
      (await this.request<TemplatePage>('GET', '/v1/templates', { ...options, query: page })).body,
    /** Every template, page after page. */
    listAll: (options?: CallOptions): AsyncGenerator<TemplateSummary, void, undefined> => this.allTemplates(options),
    /** `GET /v1/templates/:name` (the latest version), or `/versions/:version`. @throws BatonApiError TEMPLATE_NOT_FOUND */
    get: async (name: string, version?: number, options?: CallOptions): Promise<Template> => {
      const path = version === undefined ? `/v1/templates/${segment(name)}` : `/v1/templates/${segment(name)}/versions/${version}`;
      return (await this.request<Template>('GET', path, options)).body;
    },
    /** `GET /v1/templates/:name/diff?from&to`: what changed from one version to another. */
    diff: async (name: string, from: number, to: number, options?: CallOptions): Promise<TemplateDiff> =>
      (await this.request<TemplateDiff>('GET', `/v1/templates/${segment(name)}/diff`, { ...options, query: { from, to } })).body,
    /** `POST /v1/templates/:name/pause`: its new runs are admitted paused until it is resumed; runs already going are not touched. @throws BatonApiError TEMPLATE_NOT_FOUND */
    pause: async (name: string, options?: CallOptions): Promise<TemplatePaused> =>
      (await this.request<TemplatePaused>('POST', `/v1/templates/${segment(name)}/pause`, options)).body,
    /** `POST /v1/templates/:name/resume`: new runs start at once again, and the runs its pause held are resumed (`resumedRuns`). @throws BatonApiError TEMPLATE_NOT_FOUND */
    resume: async (name: string, options?: CallOptions): Promise<TemplateResumed> =>
      (await this.request<TemplateResumed>('POST', `/v1/templates/${segment(name)}/resume`, options)).body,
  };

  // Bulk operations

  readonly bulkOperations = {
    /** `POST /v1/bulk-operations`: answered at once; the api applies `action` to the matched runs in batches. */
    start: async (request: StartBulkOperationRequest, options?: CallOptions): Promise<BulkOperationStarted> =>
      (await this.request<BulkOperationStarted>('POST', '/v1/bulk-operations', { ...options, body: request })).body,
    /** `GET /v1/bulk-operations/:id`: the operation and its progress (`matched`, `done`, `failed`). @throws BatonApiError BULK_OPERATION_NOT_FOUND */
    get: async (id: string, options?: CallOptions): Promise<BulkOperation> =>
      (await this.request<BulkOperation>('GET', `/v1/bulk-operations/${segment(id)}`, options)).body,
    /** Polls `get` until the operation has `succeeded` (every matched run taken); `onProgress` sees each poll. */
    waitFor: async (id: string, options: WaitOptions & { onProgress?: (operation: BulkOperation) => void } = {}): Promise<BulkOperation> =>
      poll(() => this.bulkOperations.get(id, options), (operation) => {
        options.onProgress?.(operation);
        return operation.status === 'succeeded';
      }, options),
  };

  // API keys (admin)

  readonly apiKeys = {
    /** `POST /v1/api-keys`: the answer's `key` is shown this once. */
    create: async (request: CreateApiKeyRequest, options?: CallOptions): Promise<ApiKeyCreated> =>
      (await this.request<ApiKeyCreated>('POST', '/v1/api-keys', { ...options, body: request })).body,
    /** `GET /v1/api-keys`: the keys of the caller's tenant (or `tenant`), without secrets. */
    list: async (query: { tenant?: string } = {}, options?: CallOptions): Promise<ApiKey[]> =>
      (await this.request<{ items: ApiKey[] }>('GET', '/v1/api-keys', { ...options, query })).body.items,
    /** `DELETE /v1/api-keys/:id`: the key stops working at once. @throws BatonApiError API_KEY_NOT_FOUND */
    delete: async (id: string, query: { tenant?: string } = {}, options?: CallOptions): Promise<void> => {
      await this.request('DELETE', `/v1/api-keys/${segment(id)}`, { ...options, query });
    },
  };

  // Secrets (admin)

  readonly secrets = {
    /** `PUT /v1/secrets/:name`: write-only; only `allowedAgents` (all when absent) may receive it. */
    put: async (name: string, value: string, allowed: { allowedAgents?: string[] } = {}, options?: CallOptions): Promise<void> => {
      await this.request('PUT', `/v1/secrets/${segment(name)}`, { ...options, body: { value, ...allowed } });
    },
    /** `GET /v1/secrets`: names, never values. */
    list: async (options?: CallOptions): Promise<Secret[]> => (await this.request<{ items: Secret[] }>('GET', '/v1/secrets', options)).body.items,
    /** `DELETE /v1/secrets/:name`. */
    delete: async (name: string, options?: CallOptions): Promise<void> => {
      await this.request('DELETE', `/v1/secrets/${segment(name)}`, options);
    },
  };

  private async *allTemplates(options?: CallOptions): AsyncGenerator<TemplateSummary, void, undefined> {
    let cursor: string | undefined;
    do {
      const page = await this.templates.list(cursor === undefined ? {} : { cursor }, options);
      yield* page.items;
      cursor = page.nextCursor;
    } while (cursor !== undefined);
  }

  private async send(method: string, path: string, options: RequestOptions, accept: string): Promise<Response> {
    const url = new URL(`${this.baseUrl}${path}`);
    for (const [name, value] of Object.entries(options.query ?? {})) if (value !== undefined) url.searchParams.set(name, String(value));
    const headers: Record<string, string> = { accept, ...this.headers, ...options.headers };
    let body: string | undefined;
    if (options.body !== undefined) {
      // Text of another type (YAML) goes as it is; anything else, a string too, as JSON.
      const raw = typeof options.body === 'string' && options.contentType !== undefined && !/json/i.test(options.contentType);
      headers['content-type'] = raw ? options.contentType! : 'application/json';
      body = raw ? (options.body as string) : JSON.stringify(options.body);
    }
    try {
      return await this.fetch(url, { method, headers, body, signal: options.signal });
    } catch (err) {
      if (options.signal?.aborted) throw options.signal.reason;
      throw new BatonApiError({ status: 0, code: 'UNREACHABLE', message: `${method} ${url.origin}${url.pathname}: ${err instanceof Error ? err.message : String(err)}`, cause: err });
    }
  }
}
