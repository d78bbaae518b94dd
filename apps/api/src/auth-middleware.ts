import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { BatonError } from '@baton/runtime';
import type { Authenticator } from './authenticator';
import type { Principal, Role } from './principal';

/** The credential of a request: `X-API-Key`, else the token of `Authorization: Bearer`. */
export function credentialOf(req: Request): string | undefined {
  const apiKey = req.get('x-api-key');
  if (apiKey) return apiKey;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(req.get('authorization') ?? '');
  return match?.[1];
}

/** Attaches `req.principal`, or answers 401 UNAUTHENTICATED. */
export function authenticate(authenticator: Authenticator): RequestHandler {
  return async (req, res, next) => {
    const credential = credentialOf(req);
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

/** Lets the request through when the caller has one of `roles`; admin may do everything. */
export function requireRole(...roles: Role[]): RouteGuard {
  const allowed = new Set<Role>(['admin', ...roles]);
  return (req, _res, next) => {
    const { role } = principalOf(req);
    if (!allowed.has(role)) throw new BatonError('FORBIDDEN', `the ${role} role may not do this`);
    next();
  };
}

/** Who may do what (API.md). Routes name these rather than listing roles. */
export const CAN = {
  read: ['viewer', 'submitter', 'operator'],
  submit: ['submitter'],
  validate: ['submitter', 'operator'],
  cancel: ['operator', 'submitter'],
  operate: ['operator'],
} as const satisfies Record<string, readonly Role[]>;
