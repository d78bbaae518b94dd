import { Router } from 'express';
import { z } from 'zod';
import { BatonError } from '@baton/core';
import { diffTemplate, getTemplate, listTemplates, pauseTemplate, putTemplate, resumeTemplate, type TemplateDeps, type TemplatePauseDeps, type UseCaseDeps } from '@baton/runtime';
import { principalOf } from '../auth-middleware';
import { parseRequest } from '../parse-request';
import { allowQuery } from '../query-params';
import { guard } from '../route-permissions';

const single = (name: string) => z.string({ invalid_type_error: `${name} must be given once` });
const versionNumber = (name: string) => single(name).regex(/^[1-9]\d{0,8}$/, 'must be a version number (1, 2, …)').transform(Number);

export const ListTemplatesQuery = z.object({
  limit: single('limit').regex(/^\d{1,6}$/, 'must be an integer from 1 to 200').transform(Number)
    .pipe(z.number().min(1, 'must be an integer from 1 to 200').max(200, 'must be an integer from 1 to 200')).optional().describe('page size, 1 to 200 (default 50)'),
  cursor: single('cursor').min(1).max(200).optional().describe('the `nextCursor` of the previous page'),
});
export const DiffQuery = z.object({ from: versionNumber('from').describe('the older version'), to: versionNumber('to').describe('the newer version') });

function configured(deps: TemplateDeps | undefined): TemplateDeps {
  if (!deps) throw new BatonError('NOT_CONFIGURED', 'templates are not available on this api');
  return deps;
}

/**
 * `/v1/templates`: operators put versions (201 for a new one, 200 when the definition is the
 * latest version's), viewers read them (with the template's pause, if any), list them and diff two versions.
 */
export function templateRoutes(deps: (TemplateDeps & Pick<UseCaseDeps, 'templatePauses'>) | undefined): Router {
  const router = Router();

  router.put('/v1/templates/:name', guard('PUT /v1/templates/:name'), allowQuery(), async (req, res) => {
    if (req.body === undefined) throw new BatonError('VALIDATION_FAILED', 'a definition is required', [{ path: 'body', message: 'send the workflow definition (JSON, or YAML as application/yaml)' }]);
    const put = await putTemplate(configured(deps), principalOf(req), { name: req.params.name, definition: req.body });
    res.setHeader('Location', `/v1/templates/${put.name}/versions/${put.version}`);
    res.status(put.created ? 201 : 200).json({ name: put.name, version: put.version });
  });

  router.get('/v1/templates', guard('GET /v1/templates'), allowQuery('limit', 'cursor'), async (req, res) => {
    res.json(await listTemplates(configured(deps), principalOf(req), parseRequest(ListTemplatesQuery, req.query, 'query')));
  });

  router.get('/v1/templates/:name', guard('GET /v1/templates/:name'), allowQuery(), async (req, res) => {
    res.json(await getTemplate(configured(deps), principalOf(req), { name: req.params.name }));
  });

  router.get('/v1/templates/:name/versions/:version', guard('GET /v1/templates/:name/versions/:version'), allowQuery(), async (req, res) => {
    // Like a malformed run id, a version that is no number names nothing: a 404.
    if (!/^[1-9]\d{0,8}$/.test(req.params.version)) throw new BatonError('TEMPLATE_NOT_FOUND', `template ${req.params.name} has no version ${req.params.version.slice(0, 20)}`);
    res.json(await getTemplate(configured(deps), principalOf(req), { name: req.params.name, version: Number(req.params.version) }));
  });

  router.get('/v1/templates/:name/diff', guard('GET /v1/templates/:name/diff'), allowQuery('from', 'to'), async (req, res) => {
    const { from, to } = parseRequest(DiffQuery, req.query, 'query');
    res.json(await diffTemplate(configured(deps), principalOf(req), { name: req.params.name, from, to }));
  });

  return router;
}

/** `POST /v1/templates/:name/pause|resume`: new runs of a paused template are admitted paused until it is resumed. */
export function templatePauseRoutes(deps: TemplatePauseDeps): Router {
  const router = Router();

  router.post('/v1/templates/:name/pause', guard('POST /v1/templates/:name/pause'), allowQuery(), async (req, res) => {
    res.status(202).json(await pauseTemplate(deps, principalOf(req), { name: req.params.name }));
  });

  router.post('/v1/templates/:name/resume', guard('POST /v1/templates/:name/resume'), allowQuery(), async (req, res) => {
    res.status(202).json(await resumeTemplate(deps, principalOf(req), { name: req.params.name }));
  });

  return router;
}
