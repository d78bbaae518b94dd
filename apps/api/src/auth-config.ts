import { createPublicKey } from 'node:crypto';
import { emptyAsUnset, envVar } from '@baton/config';
import { MAX_CLOCK_TOLERANCE_S, type JwtAuthenticatorOptions } from '@baton/auth';
import { z } from 'zod';

// Not empty-as-unset, like BATON_ADMIN_KEY: an empty secret is a mistake, not a request for none.
const secret = (min: number) => z.string().min(min, `must be at least ${min} characters`).optional();

/** The api's authentication variables (besides `BATON_ADMIN_KEY`), part of its config schema. */
export const AUTH_ENV = {
  BATON_KEY_PEPPER: secret(32),
  BATON_JWT_SECRET: secret(32),
  // PEM; `\n` escapes stand for newlines, so that the key fits on one line of an env file.
  BATON_JWT_PUBLIC_KEY: z.preprocess((v) => (v === '' ? undefined : typeof v === 'string' ? v.replaceAll('\\n', '\n') : v), z.string().optional()),
  BATON_JWT_JWKS_URL: z.preprocess(emptyAsUnset, z.string().url('must be an http(s) URL').refine((u) => /^https?:\/\//.test(u), 'must be an http(s) URL').optional()),
  BATON_JWT_ISSUER: z.preprocess(emptyAsUnset, z.string().optional()),
  BATON_JWT_AUDIENCE: z.preprocess(emptyAsUnset, z.string().optional()),
  BATON_JWT_CLOCK_TOLERANCE_S: envVar.integer(0, MAX_CLOCK_TOLERANCE_S, MAX_CLOCK_TOLERANCE_S),
  BATON_AUTH: z.preprocess(emptyAsUnset, z.enum(['none'], { message: 'must be none (to run without authentication on purpose) or unset' }).optional()),
  NODE_ENV: envVar.text('development'),
};

/** The variables of {@link AUTH_ENV} whose values are never shown in a configuration error. */
export const AUTH_SECRETS = ['BATON_KEY_PEPPER', 'BATON_JWT_SECRET'];

type AuthEnv = z.infer<z.ZodObject<typeof AUTH_ENV>> & { BATON_ADMIN_KEY?: string | undefined };

const JWT_SOURCES = ['BATON_JWT_SECRET', 'BATON_JWT_PUBLIC_KEY', 'BATON_JWT_JWKS_URL'] as const;

/** Why a PEM cannot verify JWTs, or undefined when it can (RSA, or EC P-256). */
function publicKeyProblem(pem: string): string | undefined {
  try {
    const key = createPublicKey(pem);
    if (key.asymmetricKeyType === 'rsa') return undefined;
    if (key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1') return undefined;
    return 'must be an RSA or EC P-256 public key';
  } catch {
    return 'must be a PEM public key';
  }
}

/** The cross-variable rules: one JWT key source, `BATON_AUTH=none` alone, and no open api in production by accident. */
export function refineAuthEnv(c: AuthEnv, ctx: z.RefinementCtx): void {
  const issue = (path: string, message: string) => ctx.addIssue({ code: z.ZodIssueCode.custom, path: [path], message });
  const sources = JWT_SOURCES.filter((name) => c[name] !== undefined);
  if (sources.length > 1) {
    for (const name of sources) issue(name, `only one of ${JWT_SOURCES.join(', ')} may be set (one algorithm family per deployment)`);
  }
  if (c.BATON_JWT_PUBLIC_KEY !== undefined) {
    const problem = publicKeyProblem(c.BATON_JWT_PUBLIC_KEY);
    if (problem) issue('BATON_JWT_PUBLIC_KEY', problem);
  }
  if (sources.length === 0) {
    for (const name of ['BATON_JWT_ISSUER', 'BATON_JWT_AUDIENCE'] as const) {
      if (c[name] !== undefined) issue(name, `needs one of ${JWT_SOURCES.join(', ')}`);
    }
  }
  const credentials = c.BATON_ADMIN_KEY !== undefined || c.BATON_KEY_PEPPER !== undefined || sources.length > 0;
  if (c.BATON_AUTH === 'none' && credentials) {
    issue('BATON_AUTH', 'none contradicts the BATON_ADMIN_KEY, BATON_KEY_PEPPER or BATON_JWT_* also set');
  }
  if (!credentials && c.BATON_AUTH !== 'none' && c.NODE_ENV === 'production') {
    issue('BATON_AUTH', 'NODE_ENV is production and no BATON_ADMIN_KEY, BATON_KEY_PEPPER or BATON_JWT_* is set: the api would be open to anyone. Set one, or BATON_AUTH=none to run open on purpose');
  }
}

/** How the api authenticates callers. */
export interface AuthConfig {
  /** `BATON_KEY_PEPPER`: the HMAC key of stored API key secrets. Unset, stored keys are neither created (501) nor accepted. */
  keyPepper?: string;
  /** The JWT verification of `BATON_JWT_*`; unset, JWTs are not accepted. */
  jwt?: JwtAuthenticatorOptions;
  /**
   * No credential of any kind is configured: every caller is admin of tenant `default`. Allowed
   * outside production, or with `BATON_AUTH=none`.
   */
  open: boolean;
}

export function authConfigOf(c: AuthEnv): AuthConfig {
  const key = c.BATON_JWT_SECRET !== undefined ? { secret: c.BATON_JWT_SECRET }
    : c.BATON_JWT_PUBLIC_KEY !== undefined ? { publicKey: c.BATON_JWT_PUBLIC_KEY }
      : c.BATON_JWT_JWKS_URL !== undefined ? { jwksUrl: c.BATON_JWT_JWKS_URL } : undefined;
  const jwt: JwtAuthenticatorOptions | undefined = key && {
    key,
    clockToleranceS: c.BATON_JWT_CLOCK_TOLERANCE_S,
    ...(c.BATON_JWT_ISSUER === undefined ? {} : { issuer: c.BATON_JWT_ISSUER }),
    ...(c.BATON_JWT_AUDIENCE === undefined ? {} : { audience: c.BATON_JWT_AUDIENCE }),
  };
  return {
    ...(c.BATON_KEY_PEPPER === undefined ? {} : { keyPepper: c.BATON_KEY_PEPPER }),
    ...(jwt ? { jwt } : {}),
    open: c.BATON_ADMIN_KEY === undefined && c.BATON_KEY_PEPPER === undefined && jwt === undefined,
  };
}
