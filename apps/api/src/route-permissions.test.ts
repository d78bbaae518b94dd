import { createLogger, createMetrics } from '@baton/telemetry';
import type { AppDeps } from './app-deps';
import { createApp } from './create-app';
import { ROUTE_PERMISSIONS } from './route-permissions';

interface Layer {
  route?: { path: string; methods: Record<string, boolean>; stack: Array<{ handle: unknown }> };
  handle: { stack?: Layer[]; routeKey?: string };
  rawPath?: string | string[];
}

/** Every route of the app as `'METHOD /path'`, with the route key of its first handler (its guard). */
function routesOf(stack: Layer[], prefix = ''): Array<{ key: string; guardedBy: unknown }> {
  return stack.flatMap((layer) => {
    if (layer.route) {
      const first = layer.route.stack[0]?.handle as { routeKey?: string } | undefined;
      return Object.keys(layer.route.methods).map((method) => ({ key: `${method.toUpperCase()} ${prefix}${layer.route!.path}`, guardedBy: first?.routeKey }));
    }
    if (!layer.handle.stack) return [];
    const mount = typeof layer.rawPath === 'string' && layer.rawPath !== '/' ? layer.rawPath : undefined;
    // A router mounted under a path is one entry, guarded in front of it (see ROUTE_PERMISSIONS).
    if (mount !== undefined) return [{ key: `USE ${prefix}${mount}`, guardedBy: layer.handle.routeKey }];
    return routesOf(layer.handle.stack, prefix);
  });
}

// Nothing is called: the app is only built, to read its router.
const unused = new Proxy({}, { get: () => () => Promise.reject(new Error('not used')) });
const app = createApp({
  runtime: unused,
  queries: unused,
  agents: unused,
  readiness: unused,
  logger: createLogger({ service: 'route-permissions-test', silent: true }),
  metrics: createMetrics({ defaultMetrics: false }),
  config: { bodyLimit: '1mb', adminKey: undefined },
} as unknown as AppDeps);
const routes = routesOf((app as unknown as { router: { stack: Layer[] } }).router.stack);

describe('ROUTE_PERMISSIONS', () => {
  it('finds the routes (the walk itself works)', () => {
    expect(routes.map((r) => r.key)).toEqual(expect.arrayContaining(['GET /healthz', 'POST /v1/runs', 'GET /v1/runs/:id']));
  });

  it.each(routes.map((r) => [r.key, r.guardedBy] as const))('%s has an entry and guards itself with it', (key, guardedBy) => {
    expect(Object.keys(ROUTE_PERMISSIONS)).toContain(key);
    expect(guardedBy).toBe(key);
  });

  it('has no entry without a route', () => {
    const registered = new Set(routes.map((r) => r.key));
    expect(Object.keys(ROUTE_PERMISSIONS).filter((key) => !registered.has(key))).toEqual([]);
  });

  it('registers each route once', () => {
    const keys = routes.map((r) => r.key);
    expect(keys.filter((key, i) => keys.indexOf(key) !== i)).toEqual([]);
  });
});
