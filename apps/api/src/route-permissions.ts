import type { Action } from '@baton/auth';
import { requirePermission, type RouteGuard } from './auth-middleware';

/** A route that needs no credentials (load balancers, orchestrators, public documents). */
export const PUBLIC = 'public';

/**
 * Every route of the api, `'METHOD /path/template'` as registered, and what it asks `can` about:
 * the one place to read who may call what. A route asks for its own entry with {@link guard};
 * `route-permissions.test.ts` walks `createApp`'s router and fails on a route without an entry,
 * an entry without a route, or a route that does not guard itself with its entry.
 *
 * A router mounted under a path (Bull Board under `/admin/queues`) is one entry `'USE /path'`,
 * its guard put in front of the whole router.
 *
 * Public routes say so explicitly; everything under `/v1`, `/a2a` and `/metrics` is authenticated
 * before any of these guards runs.
 */
export const ROUTE_PERMISSIONS = {
  'GET /healthz': PUBLIC,
  'GET /readyz': PUBLIC,
  'GET /metrics': 'metrics.read',
  'GET /openapi.json': PUBLIC,
  'GET /docs': 'docs.read',
  'GET /docs/:file': 'docs.read',
  'POST /v1/runs': 'run.submit',
  'POST /v1/runs/batch': 'run.submit',
  'GET /v1/runs': 'run.read',
  'GET /v1/runs/:id': 'run.read',
  'GET /v1/runs/:id/history': 'run.read',
  'GET /v1/runs/:id/definition': 'run.read',
  'GET /v1/runs/:id/steps/:key': 'run.read',
  'GET /v1/runs/:id/events': 'run.read',
  'POST /v1/runs/:id/cancel': 'run.cancel',
  'POST /v1/runs/:id/retry': 'run.retry',
  'POST /v1/runs/:id/pause': 'run.retry',
  'POST /v1/runs/:id/resume': 'run.retry',
  'POST /v1/runs/:id/rerun': 'run.retry',
  'POST /v1/runs/:id/fork': 'run.retry',
  'POST /v1/runs/:id/signals/:name': 'run.submit',
  'POST /v1/bulk-operations': 'run.retry',
  'GET /v1/bulk-operations/:id': 'run.read',
  'GET /v1/payloads/:id': 'run.read',
  'POST /v1/workflows/validate': 'workflow.validate',
  'GET /v1/agents': 'agent.read',
  'POST /v1/agents/:name/pause': 'admin.manage',
  'POST /v1/agents/:name/resume': 'admin.manage',
  'PUT /v1/secrets/:name': 'admin.manage',
  'GET /v1/secrets': 'admin.manage',
  'DELETE /v1/secrets/:name': 'admin.manage',
  'POST /v1/api-keys': 'admin.manage',
  'GET /v1/api-keys': 'admin.manage',
  'DELETE /v1/api-keys/:id': 'admin.manage',
  'GET /v1/settings': 'admin.manage',
  'PATCH /v1/settings': 'admin.manage',
  'GET /v1/stats': 'run.read',
  'PUT /v1/templates/:name': 'template.write',
  'GET /v1/templates': 'template.read',
  'GET /v1/templates/:name': 'template.read',
  'GET /v1/templates/:name/versions/:version': 'template.read',
  'GET /v1/templates/:name/diff': 'template.read',
  'POST /v1/templates/:name/pause': 'template.write',
  'POST /v1/templates/:name/resume': 'template.write',
  'POST /v1/events': 'run.submit',
  'GET /v1/schedules': 'template.read',
  'USE /admin/queues': 'dashboard.read',
  // Agent2Agent: the JSON-RPC methods ask more of the caller's role (SendMessage run.submit, CancelTask run.cancel).
  'GET /a2a/:template/.well-known/agent-card.json': 'template.read',
  'POST /a2a/:template': 'run.read',
  // The web console's static files: no data in them; its calls to /v1 carry the key.
  'USE /console': PUBLIC,
} as const satisfies Record<string, Action | typeof PUBLIC>;

export type RouteKey = keyof typeof ROUTE_PERMISSIONS;

const pass: RouteGuard = (_req, _res, next) => next();

/**
 * The guard of `route`: the caller's role must be allowed the route's action at all (a use case
 * that loads a resource asks `can` again with it); a public route lets everyone through.
 * @throws BatonError FORBIDDEN (from the returned middleware) when the role may not
 */
export function guard(route: RouteKey): RouteGuard {
  const permission: Action | typeof PUBLIC = ROUTE_PERMISSIONS[route];
  const check = permission === PUBLIC ? pass : requirePermission(permission);
  const guarded: RouteGuard = (req, res, next) => check(req, res, next);
  // The route walk of the test reads it: a route must guard itself with its own entry.
  Object.assign(guarded, { routeKey: route });
  return guarded;
}
