import { fetch as undiciFetch, type Agent as Dispatcher } from 'undici';
import { NonRetryableError } from '@baton/agent-sdk';
import type { AddressPolicy } from '../http/address-policy';
import { checkUrl } from '../http/http';

/** What the calls to a remote agent met: how the last one ended, for telling a retryable failure from one that is not. */
export interface CallRecord {
  /** The last HTTP status answered. */
  status?: number;
  /** A request that never got an answer (connection refused, reset, DNS). */
  unreachable?: boolean;
  /** A request the SSRF guard refused, or a redirect. */
  refusal?: NonRetryableError;
}

export interface RemoteFetchOptions {
  dispatcher: Dispatcher;
  policy: AddressPolicy;
  /** Sent to the remote agent's own origin only (that of the step's `url`): credentials go nowhere else. */
  headers: Record<string, string>;
  origin: string;
  record: CallRecord;
}

/**
 * The `fetch` the A2A client uses: every URL checked by the `http` agent's SSRF guard (and every
 * connection by its guarded lookup, through `dispatcher`), the step's headers added for the remote's
 * origin, redirects refused, and each outcome written to `record`.
 */
export function remoteFetch({ dispatcher, policy, headers, origin, record }: RemoteFetchOptions): typeof fetch {
  const call = async (input: string | URL | Request, init: RequestInit = {}): Promise<Response> => {
    const url = new URL(input instanceof Request ? input.url : input);
    try {
      checkUrl(url, policy);
    } catch (error) {
      record.refusal = error as NonRetryableError;
      throw error;
    }
    const sent: Record<string, string> = Object.fromEntries(new Headers(init.headers).entries());
    if (url.origin === origin) for (const [name, value] of Object.entries(headers)) sent[name.toLowerCase()] = value;
    let response: Response;
    try {
      response = (await undiciFetch(url, { ...(init as object), headers: sent, dispatcher, redirect: 'manual' })) as unknown as Response;
    } catch (error) {
      const found = (error as { cause?: unknown }).cause;
      if (NonRetryableError.is(found)) {
        record.refusal = found;
        throw found;
      }
      record.unreachable = true;
      throw error;
    }
    record.status = response.status;
    record.unreachable = false;
    if (response.status >= 300 && response.status < 400) {
      await response.body?.cancel().catch(() => undefined);
      record.refusal = new NonRetryableError(`${url.origin} answered ${response.status}, a redirect: not followed`, { code: 'A2A_REDIRECT' });
      throw record.refusal;
    }
    return response;
  };
  return call as typeof fetch;
}
