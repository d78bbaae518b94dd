import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * A stored API key as a client holds it: `bk_<id>_<secret>`. The id (16 hex digits, public: it
 * names the key in `GET /v1/api-keys` and `DELETE /v1/api-keys/:id`) finds the row; the secret
 * (192 random bits, base64url) proves possession. Only an HMAC of the secret is stored.
 */
export interface ApiKeyParts {
  id: string;
  secret: string;
}

const ID_BYTES = 8;
const SECRET_BYTES = 24;
const KEY = /^bk_([0-9a-f]{16})_([A-Za-z0-9_-]{32})$/;

/** Whether a credential claims to be a stored key (a `bk_` prefix), well-formed or not. */
export function looksLikeApiKey(credential: string): boolean {
  return credential.startsWith('bk_');
}

/** The id and secret of a well-formed key; undefined for anything else (no lookup needed to refuse it). */
export function parseApiKey(credential: string): ApiKeyParts | undefined {
  const match = KEY.exec(credential);
  return match ? { id: match[1]!, secret: match[2]! } : undefined;
}

/**
 * HMAC-SHA-256 of the secret under the server's pepper (`BATON_KEY_PEPPER`), bound to the key's
 * id, as hex. A stolen `api_keys` table without the pepper yields nothing to try offline.
 */
export function hashApiKeySecret(pepper: string, { id, secret }: ApiKeyParts): string {
  return createHmac('sha256', pepper).update(`${id}.${secret}`, 'utf8').digest('hex');
}

/** Whether `parts` matches a stored hash, in time independent of where they differ. */
export function apiKeyMatches(pepper: string, parts: ApiKeyParts, storedHash: string): boolean {
  const expected = Buffer.from(storedHash, 'hex');
  const actual = Buffer.from(hashApiKeySecret(pepper, parts), 'hex');
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}

/** A new key: its parts, the text the client is shown once, and the hash to store. */
export function generateApiKey(pepper: string): ApiKeyParts & { key: string; secretHash: string } {
  const parts = { id: randomBytes(ID_BYTES).toString('hex'), secret: randomBytes(SECRET_BYTES).toString('base64url') };
  return { ...parts, key: `bk_${parts.id}_${parts.secret}`, secretHash: hashApiKeySecret(pepper, parts) };
}
