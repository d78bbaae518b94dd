/** Request headers as Node gives them: lower-case names, a list for a repeated header. */
export type RequestHeaders = Record<string, string | string[] | undefined>;

const first = (value: string | string[] | undefined): string | undefined => (Array.isArray(value) ? value[0] : value);

const BEARER = /^Bearer\s+(\S+)\s*$/i;
const BASIC = /^Basic\s+([A-Za-z0-9+/]+={0,2})\s*$/i;

/**
 * The password of HTTP Basic credentials (the user name is ignored): how a browser, prompted by
 * `WWW-Authenticate: Basic`, sends an API key. Undefined when it is not valid base64 of `user:password`
 * or the password is empty.
 */
function basicPassword(encoded: string): string | undefined {
  if (encoded.length % 4 !== 0) return undefined;
  const decoded = Buffer.from(encoded, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  const password = decoded.slice(colon + 1);
  return password === '' ? undefined : password;
}

/** The credential of a request: `X-API-Key`, else the token of `Authorization: Bearer`, else the password of `Authorization: Basic`. */
export function credentialOf(headers: RequestHeaders): string | undefined {
  const apiKey = first(headers['x-api-key']);
  if (apiKey) return apiKey;
  const authorization = first(headers.authorization) ?? '';
  const bearer = BEARER.exec(authorization);
  if (bearer) return bearer[1];
  const basic = BASIC.exec(authorization);
  return basic ? basicPassword(basic[1]!) : undefined;
}
