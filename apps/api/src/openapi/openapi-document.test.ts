import { spawnSync } from 'node:child_process';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import type { Authenticator, Principal } from '@baton/auth';
import { createLogger, createMetrics } from '@baton/telemetry';
import type { AppDeps } from '../app-deps';
import { createApp } from '../create-app';
import { walkRoutes } from '../route-walk.test-helper';
import { documentedAt, openApiDocument } from './openapi-document';

const WHERE = 'add its operation to OPERATIONS in apps/api/src/openapi/operations.ts (keyed like ROUTE_PERMISSIONS)';
const document = openApiDocument();
const documented = Object.entries(document.paths ?? {}).flatMap(([path, item]) =>
  ['get', 'post', 'put', 'patch', 'delete'].filter((method) => (item as Record<string, unknown>)[method] !== undefined).map((method) => `${method} ${path}`));
const routes = walkRoutes();

/** `@seriousme/openapi-schema-validator` is ESM only: it runs in a Node process of its own. */
function validate(doc: unknown): { valid: boolean; errors?: unknown } {
  const script = `import { Validator } from '@seriousme/openapi-schema-validator';
let text = ''; for await (const chunk of process.stdin) text += chunk;
process.stdout.write(JSON.stringify(await new Validator().validate(JSON.parse(text))));`;
  const run = spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd: __dirname, input: JSON.stringify(doc), encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`the validator failed: ${run.stderr}`);
  return JSON.parse(run.stdout) as { valid: boolean; errors?: unknown };
}

describe('the OpenAPI document', () => {
  it('documents every route of the router', () => {
    const missing = routes.map((r) => r.key).filter((key) => {
      const { method, path } = documentedAt(key);
      return !documented.includes(`${method} ${path}`);
    });
    if (missing.length > 0) throw new Error(`routes missing from the OpenAPI document: ${missing.join(', ')}: ${WHERE}`);
    expect(documented.length).toBe(routes.length);
  });

  it('has no operation without a route', () => {
    const registered = new Set(routes.map((r) => { const { method, path } = documentedAt(r.key); return `${method} ${path}`; }));
    const extra = documented.filter((op) => !registered.has(op));
    if (extra.length > 0) throw new Error(`operations of the OpenAPI document without a route: ${extra.join(', ')}: remove them from OPERATIONS (apps/api/src/openapi/operations.ts)`);
    expect(extra).toEqual([]);
  });

  it('is a valid OpenAPI 3.1 document', () => {
    expect(validate(document)).toEqual({ valid: true });
  });

  it('the validator refuses a broken document (it checks something)', () => {
    expect(validate({ ...document, paths: { '/x': { get: { responses: { 200: { content: 'nope' } } } } } }).valid).toBe(false);
  });

  it('gives each operation a unique id, and the public routes no security', () => {
    const operations = Object.values(document.paths ?? {}).flatMap((item) => Object.values(item as Record<string, { operationId?: string; security?: unknown[] }>));
    const ids = operations.map((op) => op.operationId);
    expect(ids.filter((id, i) => id === undefined || ids.indexOf(id) !== i)).toEqual([]);
    const open = Object.entries(document.paths ?? {}).filter(([, item]) => (item as { get?: { security?: unknown[] } }).get?.security?.length === 0).map(([path]) => path);
    expect(open.sort()).toEqual(['/healthz', '/openapi.json', '/readyz']);
    expect(Object.keys(document.components?.securitySchemes ?? {}).sort()).toEqual(['ApiKey', 'Basic', 'Bearer']);
  });

  it('describes requests with the schemas the routes validate with, and every error with the error shape', () => {
    const submit = document.paths!['/v1/runs']!.post!;
    const body = (submit.requestBody as { content: Record<string, { schema: { properties: Record<string, { minimum?: number; maximum?: number }>; additionalProperties?: boolean } }> }).content['application/json']!.schema;
    expect(Object.keys(body.properties).sort()).toEqual(['input', 'priority', 'template', 'version', 'workflow']);
    expect(body.properties.priority).toMatchObject({ minimum: 1, maximum: 10 });
    expect(body.additionalProperties).toBe(false);
    expect(document.paths!['/v1/runs']!.get!.parameters!.map((p) => (p as { name: string }).name).sort()).toEqual(['cursor', 'limit', 'status', 'template']);
    expect(submit.responses?.['400']).toEqual({ description: expect.any(String), content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } });
  });
});

describe('GET /openapi.json and /docs', () => {
  const byKey: Authenticator = { authenticate: async (key) => (key === 'viewer' ? ({ tenant: 't1', role: 'viewer', subject: 'v' } as Principal) : undefined) };
  let server: Server;
  let base: string;
  beforeAll(async () => {
    const app = createApp({
      logger: createLogger({ service: 'openapi-test', silent: true }),
      metrics: createMetrics({ defaultMetrics: false }),
      authenticator: byKey,
      config: { bodyLimit: '1mb' },
    } as unknown as AppDeps);
    server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
  });
  const basic = (key: string) => ({ authorization: `Basic ${Buffer.from(`any:${key}`).toString('base64')}` });

  it('serves the document without credentials', async () => {
    const res = await fetch(`${base}/openapi.json`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual(JSON.parse(JSON.stringify(document)));
  });

  it('asks a browser for the key before /docs (Basic), then serves Swagger UI over /openapi.json', async () => {
    const refused = await fetch(`${base}/docs`);
    expect(refused.status).toBe(401);
    expect(refused.headers.get('www-authenticate')).toBe('Basic realm="baton"');
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('UNAUTHENTICATED');
    const page = await fetch(`${base}/docs`, { headers: basic('viewer') });
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    const html = await page.text();
    expect(html).toContain('/docs/swagger-ui-bundle.js');
    const init = await fetch(`${base}/docs/baton-docs.js`, { headers: { 'x-api-key': 'viewer' } });
    expect(await init.text()).toContain("url: '/openapi.json'");
    const bundle = await fetch(`${base}/docs/swagger-ui-bundle.js`, { headers: basic('viewer') });
    expect(bundle.status).toBe(200);
    expect((await bundle.text()).length).toBeGreaterThan(100_000);
    expect((await fetch(`${base}/docs/swagger-ui.css`)).status).toBe(401);
  });

  it('serves no other file under /docs', async () => {
    for (const file of ['package.json', '..%2Fpackage.json', 'index.html', 'swagger-initializer.js']) {
      const res = await fetch(`${base}/docs/${file}`, { headers: basic('viewer') });
      expect([res.status, file]).toEqual([404, file]);
    }
  });
});
