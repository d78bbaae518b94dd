import { ROUTE_PERMISSIONS } from './route-permissions';
import { walkRoutes } from './route-walk.test-helper';

const routes = walkRoutes();

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
