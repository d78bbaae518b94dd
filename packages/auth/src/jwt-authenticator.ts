import { createPublicKey, type KeyObject } from 'node:crypto';
import jwt, { type Algorithm, type JwtPayload } from 'jsonwebtoken';
import { JwksClient } from 'jwks-rsa';
import { BatonError } from '@baton/core';
import type { Authenticator } from './authenticator';
import type { Principal } from './principal';
import { ROLES, type Role } from './role';

/** Where the verification key comes from: exactly one, so one configuration is one algorithm family. */
export type JwtKeySource =
  /** `BATON_JWT_SECRET`: HS256 only. */
  | { secret: string }
  /** `BATON_JWT_PUBLIC_KEY` (PEM): RS256 for an RSA key, ES256 for a P-256 key. */
  | { publicKey: string }
  /** `BATON_JWT_JWKS_URL`: RS256 or ES256, the key picked by the token's `kid` (and its type pinning the algorithm). */
  | { jwksUrl: string };

export interface JwtAuthenticatorOptions {
  key: JwtKeySource;
  /** `BATON_JWT_ISSUER`: `iss` must equal it when set. */
  issuer?: string;
  /** `BATON_JWT_AUDIENCE`: `aud` must contain it when set. */
  audience?: string;
  /** `BATON_JWT_CLOCK_TOLERANCE_S`, at most 30. @defaultValue 30 */
  clockToleranceS?: number;
  /** How long fetched JWKS keys are kept; an unknown `kid` is fetched at once regardless. @defaultValue 600000 */
  jwksCacheMaxAgeMs?: number;
  /** Fetches of the JWKS per minute at most (unknown `kid`s cannot make Baton hammer the endpoint). @defaultValue 10 */
  jwksRequestsPerMinute?: number;
}

export const MAX_CLOCK_TOLERANCE_S = 30;

const JWT_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;

const refused = (why: string) => new BatonError('UNAUTHENTICATED', `invalid token: ${why}`);

/** The algorithm a public key can verify: the key's own type decides, never the token's header. */
function algorithmOf(key: KeyObject): Algorithm {
  if (key.asymmetricKeyType === 'rsa') return 'RS256';
  if (key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1') return 'ES256';
  throw new Error(`a JWT public key must be RSA or EC P-256, not ${key.asymmetricKeyType ?? 'unknown'}${key.asymmetricKeyDetails?.namedCurve ? ` ${key.asymmetricKeyDetails.namedCurve}` : ''}`);
}

/** The most powerful known role among the claim's (a string or a list); unknown ones are ignored. */
export function highestRole(claim: unknown): Role | undefined {
  const roles = typeof claim === 'string' ? [claim] : Array.isArray(claim) ? claim : [];
  return ROLES.find((role) => roles.includes(role));
}

function principalOf(payload: JwtPayload): Principal {
  if (typeof payload.exp !== 'number') throw refused('it has no exp');
  if (typeof payload.sub !== 'string' || payload.sub === '') throw refused('it has no sub');
  const tenant: unknown = payload.tenant ?? 'default';
  if (typeof tenant !== 'string' || tenant === '') throw refused('its tenant is not a string');
  const role = highestRole(payload.roles);
  if (!role) throw refused(`it carries no known role (one of ${ROLES.join(', ')} in roles)`);
  const principal: Principal = { tenant, role, subject: `jwt:${payload.sub}` };
  const agents: unknown = payload.agents;
  if (agents !== undefined) {
    if (!Array.isArray(agents) || !agents.every((a) => typeof a === 'string')) throw refused('its agents is not a list of names');
    principal.agents = agents as string[];
  }
  return principal;
}

/**
 * Accepts JWTs signed with the configured key. The accepted algorithms are pinned by the key
 * (HS256 for a secret; RS256 or ES256 by the public key's type), so `alg: none` and a token
 * signed with the public key as an HMAC secret are refused. `exp` is required.
 *
 * A credential that is not shaped like a JWT resolves undefined (another authenticator's);
 * a JWT that fails is refused with why (expired, bad signature, no role, …).
 * @throws Error at construction for a public key it cannot use, or a clock tolerance above 30 s
 * @throws BatonError UNAUTHENTICATED for a refused JWT, UNAVAILABLE when the JWKS endpoint cannot be reached
 */
export function jwtAuthenticator(options: JwtAuthenticatorOptions): Authenticator {
  const clockTolerance = options.clockToleranceS ?? MAX_CLOCK_TOLERANCE_S;
  if (!(clockTolerance >= 0 && clockTolerance <= MAX_CLOCK_TOLERANCE_S)) throw new Error(`JWT clock tolerance must be 0 to ${MAX_CLOCK_TOLERANCE_S} s`);
  const base = {
    clockTolerance,
    ...(options.issuer === undefined ? {} : { issuer: options.issuer }),
    ...(options.audience === undefined ? {} : { audience: options.audience }),
  };

  const verify = (token: string, key: string | KeyObject, algorithm: Algorithm): Principal => {
    let payload: string | JwtPayload;
    try {
      payload = jwt.verify(token, key, { ...base, algorithms: [algorithm] });
    } catch (error) {
      if (error instanceof jwt.TokenExpiredError) throw refused('it has expired');
      if (error instanceof jwt.NotBeforeError) throw refused('it is not valid yet');
      // Signature, algorithm, issuer, audience, malformed: one answer, naming nothing expected.
      throw refused('its signature, algorithm, issuer or audience is not accepted');
    }
    if (typeof payload === 'string') throw refused('its payload is not a JSON object');
    return principalOf(payload);
  };

  const source = options.key;
  let keyOf: (token: string) => Promise<{ key: string | KeyObject; algorithm: Algorithm }>;
  if ('secret' in source) {
    keyOf = async () => ({ key: source.secret, algorithm: 'HS256' });
  } else if ('publicKey' in source) {
    const key = createPublicKey(source.publicKey);
    const algorithm = algorithmOf(key);
    keyOf = async () => ({ key, algorithm });
  } else {
    const client = new JwksClient({
      jwksUri: source.jwksUrl,
      cache: true,
      cacheMaxAge: options.jwksCacheMaxAgeMs ?? 600_000,
      rateLimit: true,
      jwksRequestsPerMinute: options.jwksRequestsPerMinute ?? 10,
      timeout: 5000,
    });
    keyOf = async (token) => {
      const header = jwt.decode(token, { complete: true })?.header;
      if (!header) throw refused('it cannot be decoded');
      let pem: string;
      try {
        pem = (await client.getSigningKey(header.kid ?? null)).getPublicKey();
      } catch (error) {
        if ((error as { isEndpointUnavailable?: boolean }).isEndpointUnavailable) {
          throw new BatonError('UNAVAILABLE', 'the JWKS endpoint could not be reached; try again later');
        }
        throw refused('no key of the JWKS has its kid');
      }
      const key = createPublicKey(pem);
      try {
        return { key, algorithm: algorithmOf(key) };
      } catch {
        throw refused('its key in the JWKS is not RSA or EC P-256');
      }
    };
  }

  return {
    async authenticate(credential) {
      if (credential === undefined || !JWT_SHAPE.test(credential)) return undefined;
      const { key, algorithm } = await keyOf(credential);
      return verify(credential, key, algorithm);
    },
  };
}
