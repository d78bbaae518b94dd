import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { can, credentialOf, type Action, type Authenticator, type Principal } from '@baton/auth';
import { BatonError } from '@baton/core';

/** Attaches `req.principal`, or answers 401 UNAUTHENTICATED. */
export function authenticate(authenticator: Authenticator): RequestHandler {
  return async (req, res, next) => {
    const credential = credentialOf(req.headers);
    const principal = await authenticator.authenticate(credential);
    if (!principal) {
      res.setHeader('WWW-Authenticate', 'Bearer realm="baton"');
      throw new BatonError(
        'UNAUTHENTICATED',
        credential === undefined ? 'credentials required: send X-API-Key or Authorization: Bearer' : 'invalid credentials',
      );
    }
    req.principal = principal;
    next();
  };
}

/** The caller of an authenticated route. @throws BatonError UNAUTHENTICATED when the auth middleware did not run. */
export function principalOf(req: { principal?: Principal }): Principal {
  if (!req.principal) throw new BatonError('UNAUTHENTICATED', 'credentials required');
  return req.principal;
}

/** A middleware generic in the route's parameters, so it fits before the handler of any path. */
export type RouteGuard = <P>(req: Request<P>, res: Response, next: NextFunction) => void;

/**
 * Lets the request through when the caller's role may do `action` at all (`can` without a
 * resource); a route that loads a resource asks `can` again with it.
 * @throws BatonError FORBIDDEN otherwise
 */
export function requirePermission(action: Action): RouteGuard {
  return (req, _res, next) => {
    const principal = principalOf(req);
    if (!can(principal, action)) throw new BatonError('FORBIDDEN', `the ${principal.role} role may not do this`);
    next();
  };
}
