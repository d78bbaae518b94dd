import type { NextFunction, Request, Response } from 'express';
import { BatonError } from '@baton/core';

/**
 * Refuses a request with a query parameter the route does not take (API.md: an unknown query
 * parameter is a 400 naming it), so a misspelt filter (`status[]=queued`, `stauts=`) is never
 * silently ignored.
 */
export function allowQuery(...names: string[]): <P>(req: Request<P>, res: Response, next: NextFunction) => void {
  const allowed = new Set(names);
  return (req, _res, next) => {
    const unknown = Object.keys(req.query as object).filter((name) => !allowed.has(name));
    if (unknown.length > 0) {
      const shown = unknown.slice(0, 20).map((name) => name.slice(0, 100));
      const takes = names.length > 0 ? `this route takes ${names.join(', ')}` : 'this route takes none';
      throw new BatonError('VALIDATION_FAILED', `unknown query parameter ${shown.map((n) => JSON.stringify(n)).join(', ')}: ${takes}`,
        shown.map((path) => ({ path, message: `unknown query parameter (${takes})` })));
    }
    next();
  };
}
