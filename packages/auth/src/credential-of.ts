/** Request headers as Node gives them: lower-case names, a list for a repeated header. */
export type RequestHeaders = Record<string, string | string[] | undefined>;

const first = (value: string | string[] | undefined): string | undefined => (Array.isArray(value) ? value[0] : value);

/** The credential of a request: `X-API-Key`, else the token of `Authorization: Bearer`. */
export function credentialOf(headers: RequestHeaders): string | undefined {
  const apiKey = first(headers['x-api-key']);
  if (apiKey) return apiKey;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(first(headers.authorization) ?? '');
  return match?.[1];
}
