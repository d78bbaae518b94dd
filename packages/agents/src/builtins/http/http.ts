import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { isIP, type LookupFunction } from 'node:net';
import { Agent as Dispatcher, errors as undiciErrors, request } from 'undici';
import { z } from 'zod';
import { defineAgent, NonRetryableError } from '@baton/agent-sdk';
import { AddressPolicy } from './address-policy';

const MiB = 1024 * 1024;
const MAX_REDIRECTS = 5;
const REDIRECTS = new Set([301, 302, 303, 307, 308]);
// Credentials of one origin are not sent on to another.
const ORIGIN_BOUND_HEADERS = ['authorization', 'cookie', 'proxy-authorization'];

const Config = z.object({
  /** CIDRs, addresses and host names let through the SSRF guard (`BATON_HTTP_ALLOW`). */
  allow: z.array(z.string()).default([]),
  /** The largest response body read; a step may ask for less. */
  maxResponseBytes: z.number().int().min(1).default(MiB),
  /** The time a request may take (redirects and body included) when the step gives none, and the most it may ask for. */
  timeoutMs: z.number().int().min(1).max(2_147_483_647).default(30_000),
});

const Input = z.object({
  url: z.string().min(1),
  method: z.enum(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']).default('GET'),
  headers: z.record(z.string(), z.string()).default({}),
  /** A string is sent as it is; any other value as JSON. */
  body: z.unknown().optional(),
  timeoutMs: z.number().int().min(1).optional(),
  maxResponseBytes: z.number().int().min(1).optional(),
  followRedirects: z.boolean().default(false),
  /** 4xx statuses retried like a 5xx (429, say). */
  retryOn: z.array(z.number().int().min(400).max(499)).default([]),
  /** `false` sends none; a string replaces the default `<runId>:<stepKey>`. */
  idempotencyKey: z.union([z.string().min(1), z.literal(false)]).optional(),
});

interface Deps {
  dispatcher: Dispatcher;
  policy: AddressPolicy;
  maxResponseBytes: number;
  timeoutMs: number;
}

const blocked = (host: string, why: string) => new NonRetryableError(`refused to reach ${host}: ${why} (BATON_HTTP_ALLOW lets it through)`, { code: 'HTTP_ADDRESS_REFUSED' });

/**
 * Resolves like `dns.lookup`, then refuses when any address is blocked: the check happens as the
 * socket connects, on the very addresses it connects to, so a name that resolves to a public
 * address first and a private one later (DNS rebinding) is still caught.
 */
export const guardedLookup = (policy: AddressPolicy, resolve: typeof dnsLookup = dnsLookup): LookupFunction => (hostname, options, callback) => {
  resolve(hostname, { ...options, all: true }, (error, addresses: LookupAddress[]) => {
    if (error) return callback(error, '', 0);
    if (!policy.allowsHost(hostname)) {
      for (const { address } of addresses) {
        const why = policy.refusal(address);
        if (why !== undefined) return callback(blocked(hostname, why), '', 0);
      }
    }
    if (options.all) return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, addresses);
    const first = addresses[0];
    if (!first) return callback(Object.assign(new Error(`no address for ${hostname}`), { code: 'ENOTFOUND' }), '', 0);
    callback(null, first.address, first.family);
  });
};

/** Refuses a URL that is not http(s), or whose host is an address the policy blocks (no lookup happens for those). */
export function checkUrl(url: URL, policy: AddressPolicy): void {
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new NonRetryableError(`refused ${url.protocol} URL: only http and https`, { code: 'HTTP_ADDRESS_REFUSED' });
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  if (isIP(host) === 0 || policy.allowsHost(host)) return;
  const why = policy.refusal(host);
  if (why !== undefined) throw blocked(host, why);
}

function parseUrl(text: string, base?: URL): URL {
  try {
    return new URL(text, base);
  } catch {
    // Not echoed: a URL may carry a token (a webhook's path, a query).
    throw new NonRetryableError(base ? 'invalid redirect location' : 'invalid URL');
  }
}

/** Drops a response body unread (its abort error, emitted as it is destroyed, is expected). */
const discard = (body: { on(event: 'error', listener: () => void): unknown; destroy(): void }) => {
  body.on('error', () => undefined);
  body.destroy();
};

const headerRecord = (headers: Record<string, string | string[] | undefined>): Record<string, string> =>
  Object.fromEntries(Object.entries(headers).flatMap(([name, value]) => (value === undefined ? [] : [[name, Array.isArray(value) ? value.join(', ') : value]])));

/** The body, read up to `cap` bytes: past it the response is dropped and the step fails. */
async function readCapped(body: AsyncIterable<Buffer> & Parameters<typeof discard>[0], cap: number, declared: string | undefined): Promise<Buffer> {
  const tooLarge = () => new NonRetryableError(`response larger than ${cap} bytes (maxResponseBytes)`, { code: 'HTTP_RESPONSE_TOO_LARGE' });
  if (declared !== undefined && Number(declared) > cap) {
    discard(body);
    throw tooLarge();
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += chunk.length;
    if (size > cap) {
      discard(body);
      throw tooLarge();
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

const isJson = (contentType: string | undefined) => contentType !== undefined && /^application\/([a-z0-9.+-]*\+)?json\b/i.test(contentType.trim());

/**
 * Calls an HTTP(S) endpoint and returns `{ status, headers, body }` (the body parsed when the
 * response is JSON). Safe by default: http and https only, no loopback/private/link-local/
 * multicast/reserved address (checked on every connect and redirect hop), a response size cap, a
 * timeout, no redirects unless asked. 5xx, timeouts and network errors are retried; 4xx are not,
 * unless in `retryOn`.
 */
export const httpAgent = defineAgent({
  name: 'http',
  description: 'Calls an HTTP(S) endpoint: `{ url, method?, headers?, body?, timeoutMs?, maxResponseBytes?, followRedirects?, retryOn? }` → `{ status, headers, body }`.',
  input: Input,
  config: Config,
  setup: (config): Deps => {
    const policy = new AddressPolicy(config.allow);
    return { policy, maxResponseBytes: config.maxResponseBytes, timeoutMs: config.timeoutMs, dispatcher: new Dispatcher({ connect: { lookup: guardedLookup(policy) } }) };
  },
  close: (deps) => deps.dispatcher.close(),
  run: async (input, ctx) => {
    const { dispatcher, policy } = ctx.deps;
    const timeoutMs = Math.min(input.timeoutMs ?? ctx.deps.timeoutMs, ctx.deps.timeoutMs);
    const cap = Math.min(input.maxResponseBytes ?? ctx.deps.maxResponseBytes, ctx.deps.maxResponseBytes);
    const timeout = AbortSignal.timeout(timeoutMs);
    const signal = AbortSignal.any([ctx.signal, timeout]);

    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(input.headers)) headers[name.toLowerCase()] = value;
    if (input.idempotencyKey !== false && headers['idempotency-key'] === undefined) headers['idempotency-key'] = input.idempotencyKey ?? `${ctx.runId}:${ctx.key}`;
    let body: string | undefined;
    if (input.body !== undefined) {
      body = typeof input.body === 'string' ? input.body : JSON.stringify(input.body);
      if (typeof input.body !== 'string' && headers['content-type'] === undefined) headers['content-type'] = 'application/json';
    }

    let method: string = input.method;
    let url = parseUrl(input.url);
    for (let hop = 0; ; hop++) {
      checkUrl(url, policy);
      let response: Awaited<ReturnType<typeof request>>;
      try {
        response = await request(url, { dispatcher, method, headers, body, signal });
      } catch (error) {
        if (NonRetryableError.is(error)) throw error;
        const found = (error as { cause?: unknown }).cause;
        if (NonRetryableError.is(found)) throw found;
        if (timeout.aborted) throw new Error(`${method} ${url.origin} timed out after ${timeoutMs} ms`, { cause: error });
        if (error instanceof undiciErrors.InvalidArgumentError) throw new NonRetryableError(`invalid request: ${error.message}`, { cause: error });
        throw new Error(`${method} ${url.origin} failed: ${(error as Error).message}`, { cause: error });
      }
      const status = response.statusCode;
      const location = response.headers.location;
      if (REDIRECTS.has(status) && typeof location === 'string') {
        discard(response.body);
        if (!input.followRedirects) throw new NonRetryableError(`${method} ${url.origin} answered ${status}, a redirect, not followed (followRedirects)`, { code: 'HTTP_REDIRECT' });
        if (hop + 1 > MAX_REDIRECTS) throw new NonRetryableError(`more than ${MAX_REDIRECTS} redirects`, { code: 'HTTP_REDIRECT' });
        const next = parseUrl(location, url);
        if (next.origin !== url.origin) for (const name of ORIGIN_BOUND_HEADERS) delete headers[name];
        if (status === 303 || ((status === 301 || status === 302) && method === 'POST')) {
          method = method === 'HEAD' ? 'HEAD' : 'GET';
          body = undefined;
          delete headers['content-type'];
        }
        url = next;
        continue;
      }
      let raw: Buffer;
      try {
        raw = await readCapped(response.body, cap, typeof response.headers['content-length'] === 'string' ? response.headers['content-length'] : undefined);
      } catch (error) {
        if (NonRetryableError.is(error)) throw error;
        if (timeout.aborted) throw new Error(`${method} ${url.origin} timed out after ${timeoutMs} ms`, { cause: error });
        throw new Error(`${method} ${url.origin} failed reading the response: ${(error as Error).message}`, { cause: error });
      }
      if (status >= 400) {
        // The origin only, in this and every message: a path or query may carry a token.
        const message = `${method} ${url.origin} answered ${status}`;
        if (status >= 500 || input.retryOn.includes(status)) throw new Error(message);
        throw new NonRetryableError(message, { code: 'HTTP_STATUS' });
      }
      const responseHeaders = headerRecord(response.headers);
      const text = raw.toString('utf8');
      let parsed: unknown = text;
      if (isJson(responseHeaders['content-type'])) {
        try {
          parsed = text === '' ? null : (JSON.parse(text) as unknown);
        } catch {
          parsed = text;
        }
      }
      return { status, headers: responseHeaders, body: parsed };
    }
  },
});
