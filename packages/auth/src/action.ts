/**
 * Everything a caller may be allowed to do: what a route asks `can` about. A new route names an
 * existing action, or adds one here and gives it to roles in `can.ts`'s table.
 */
export const ACTIONS = [
  /** `GET /v1/runs`, `GET /v1/runs/:id` (and later history and events). */
  'run.read',
  /** `POST /v1/runs` (and later signals and events). */
  'run.submit',
  /** `POST /v1/runs/:id/cancel`: an operator any run of the tenant, a submitter only its own. */
  'run.cancel',
  /** `POST /v1/runs/:id/retry`, `…/pause`, `…/resume`, `…/rerun`, `…/fork` (and later bulk operations). */
  'run.retry',
  /** `POST /v1/workflows/validate`. */
  'workflow.validate',
  /** `GET /v1/agents`. */
  'agent.read',
  /** `GET /metrics`. */
  'metrics.read',
  /** `GET /v1/templates…`. */
  'template.read',
  /** `PUT /v1/templates/:name`, `POST /v1/templates/:name/pause|resume`. */
  'template.write',
  /** `/admin/queues` (Bull Board). */
  'dashboard.read',
  /** Bull Board's changes (retry, clean, promote, remove, pause jobs and queues); operators only look. */
  'dashboard.write',
  /** `GET /docs` (Swagger UI over the public `/openapi.json`). */
  'docs.read',
  /** `/v1/api-keys`, `/v1/settings`, `/v1/secrets`, `POST /v1/agents/:name/pause|resume` (an agent serves every tenant). */
  'admin.manage',
] as const;

export type Action = (typeof ACTIONS)[number];
