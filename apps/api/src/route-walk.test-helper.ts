import { createLogger, createMetrics } from '@baton/telemetry';
import type { AppDeps } from './app-deps';
import { createApp } from './create-app';

interface Layer {
  route?: { path: string; methods: Record<string, boolean>; stack: Array<{ handle: unknown }> };
  handle: { stack?: Layer[]; routeKey?: string };
  rawPath?: string | string[];
}

/** A route of the app as `'METHOD /path'` (a router mounted under a path: `'USE /path'`), with the route key of its guard. */
export interface WalkedRoute {
  key: string;
  guardedBy: unknown;
}

function routesOf(stack: Layer[], prefix = ''): WalkedRoute[] {
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

/** Every route of `createApp`'s router. Nothing is called: the app is only built, to read its router. */
export function walkRoutes(): WalkedRoute[] {
  const unused = new Proxy({}, { get: () => () => Promise.reject(new Error('not used')) });
  const app = createApp({
    runtime: unused,
    queries: unused,
    agents: unused,
    readiness: unused,
    logger: createLogger({ service: 'route-walk', silent: true }),
    metrics: createMetrics({ defaultMetrics: false }),
    config: { bodyLimit: '1mb', adminKey: undefined },
  } as unknown as AppDeps);
  return routesOf((app as unknown as { router: { stack: Layer[] } }).router.stack);
}
