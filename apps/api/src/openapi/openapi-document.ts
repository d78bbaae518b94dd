import { OpenAPIRegistry, OpenApiGeneratorV31 } from '@asteasolutions/zod-to-openapi';
import type { RouteKey } from '../route-permissions';
import { OPERATIONS } from './operations';

/** The document's method and path of a route key: `'GET /v1/runs/:id'` → get `/v1/runs/{id}`; a `'USE /path'` router is its `GET /path` page. */
export function documentedAt(key: string): { method: 'get' | 'post' | 'put' | 'patch' | 'delete'; path: string } {
  const [verb, template] = key.split(' ') as [string, string];
  const method = (verb === 'USE' ? 'get' : verb.toLowerCase()) as 'get' | 'post' | 'put' | 'patch' | 'delete';
  return { method, path: template.replace(/:([A-Za-z0-9_]+)/g, '{$1}') };
}

export type OpenApiDocument = ReturnType<OpenApiGeneratorV31['generateDocument']>;

let built: OpenApiDocument | undefined;

/**
 * The OpenAPI 3.1 document of the api, generated from {@link OPERATIONS} and the zod schemas the
 * routes validate with. Built once per process: it depends on nothing configured.
 */
export function openApiDocument(): OpenApiDocument {
  if (built) return built;
  const registry = new OpenAPIRegistry();
  registry.registerComponent('securitySchemes', 'ApiKey', { type: 'apiKey', in: 'header', name: 'X-API-Key', description: 'an API key' });
  registry.registerComponent('securitySchemes', 'Bearer', {
    type: 'http', scheme: 'bearer', bearerFormat: 'JWT or API key', description: 'a JWT (HS256, RS256 or ES256; claims sub, tenant, roles, agents) or an API key',
  });
  registry.registerComponent('securitySchemes', 'Basic', { type: 'http', scheme: 'basic', description: 'the API key as the password, any user name (how a browser sends it)' });
  for (const [key, operation] of Object.entries(OPERATIONS) as Array<[RouteKey, (typeof OPERATIONS)[RouteKey]]>) {
    registry.registerPath({ ...documentedAt(key), ...operation });
  }
  built = new OpenApiGeneratorV31(registry.definitions).generateDocument({
    openapi: '3.1.0',
    info: {
      title: 'Baton API',
      version: '1',
      description: 'Baton runs multi-step agent workflows. Every 4xx/5xx answer is `{ error: { code, message, details? } }`; '
        + 'another tenant\'s resource is a 404. Unknown query parameters are a 400.',
    },
    security: [{ ApiKey: [] }, { Bearer: [] }, { Basic: [] }],
    tags: [
      { name: 'runs' }, { name: 'workflows' }, { name: 'templates' }, { name: 'agents' }, { name: 'admin' }, { name: 'operations' },
    ],
  });
  return built;
}
