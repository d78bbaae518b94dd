import type { RequestHandler } from 'express';
import { BatonError } from '@baton/core';

/**
 * A path that is not valid percent-encoding (`/v1/runs/%zz`) names no resource: a 404 in the
 * error shape, before the router's own decoding of parameters throws a URIError (a 500).
 */
export const wellFormedPath: RequestHandler = (req, _res, next) => {
  try {
    decodeURIComponent(req.path);
  } catch {
    throw new BatonError('NOT_FOUND', `no resource at ${req.path.slice(0, 200)}: the path is not valid percent-encoding`, [
      { path: 'path', message: 'is not valid percent-encoding' },
    ]);
  }
  next();
};
