import { Router } from 'express';
import { z } from 'zod';
import { BatonError } from '@baton/core';
import { getStats, type StatsQueries } from '@baton/runtime';
import { principalOf } from '../auth-middleware';
import { guard } from '../route-permissions';
import { parseRequest } from '../parse-request';
import { allowQuery } from '../query-params';

export const StatsQuery = z.object({
  window: z.string({ invalid_type_error: 'window must be given once' }).max(20, 'from 1m to 7d: a number followed by m, h or d').optional().describe('how far back: 1m to 7d, a number followed by m, h or d (default 1h)'),
});

/** `GET /v1/stats?window=1h`: run analytics of the caller's tenant (`getStats`). */
export function statsRoutes({ stats }: { stats?: StatsQueries }): Router {
  const router = Router();

  router.get('/v1/stats', guard('GET /v1/stats'), allowQuery('window'), async (req, res) => {
    const query = parseRequest(StatsQuery, req.query, 'query', undefined);
    if (!stats) throw new BatonError('UNAVAILABLE', 'statistics are not configured on this api');
    res.json(await getStats({ stats }, principalOf(req), query));
  });

  return router;
}
