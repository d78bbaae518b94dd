import { Router } from 'express';
import { BatonError } from '@baton/core';
import { getSettings, patchSettings, type SettingsDeps } from '@baton/runtime';
import { principalOf } from '../auth-middleware';
import { allowQuery } from '../query-params';
import { guard } from '../route-permissions';

function configured(deps: SettingsDeps | undefined): SettingsDeps {
  if (!deps) throw new BatonError('NOT_CONFIGURED', 'runtime settings are not available on this api');
  return deps;
}

/**
 * `/v1/settings`: the deployment's runtime settings. A PATCH is a JSON merge patch (RFC 7386:
 * `null` removes a setting), validated whole: a bad value is a 400 that changes nothing.
 */
export function settingsRoutes(deps: SettingsDeps | undefined): Router {
  const router = Router();

  router.get('/v1/settings', guard('GET /v1/settings'), allowQuery(), async (req, res) => {
    res.json(await getSettings(configured(deps), principalOf(req)));
  });

  router.patch('/v1/settings', guard('PATCH /v1/settings'), allowQuery(), async (req, res) => {
    res.json(await patchSettings(configured(deps), principalOf(req), req.body));
  });

  return router;
}
