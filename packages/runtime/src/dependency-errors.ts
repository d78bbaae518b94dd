/**
 * Recognises errors that mean Postgres or Redis is unreachable, so the api answers 503 (try again)
 * rather than 500 (a bug). Walks `cause` and `AggregateError.errors`: drivers wrap socket errors.
 */

/** Socket-level failures, whichever client saw them. */
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'EPIPE']);

/**
 * Postgres SQLSTATEs for "not now": admin shutdown, crash shutdown, cannot connect now (starting
 * up or shutting down), too many connections, and the connection exception class 08.
 */
const POSTGRES_CODES = new Set(['57P01', '57P02', '57P03', '53300', '08000', '08001', '08003', '08004', '08006']);

const POSTGRES_MESSAGES = [
  /Connection terminated/i,
  /timeout exceeded when trying to connect/i,
  /Client has encountered a connection error/i,
  /Cannot use a pool after calling end/i,
];

const REDIS_MESSAGES = [
  /enableOfflineQueue options is false/,
  /Connection is closed/,
  /Reached the max retries per request limit/,
  /Redis connection .*(lost|closed)/i,
];

export type Dependency = 'postgres' | 'redis';

interface ErrorLike {
  name?: unknown;
  code?: unknown;
  message?: unknown;
  cause?: unknown;
  errors?: unknown;
}

function classify(err: ErrorLike): Dependency | 'network' | undefined {
  const code = typeof err.code === 'string' ? err.code : undefined;
  const message = typeof err.message === 'string' ? err.message : '';
  if (code && POSTGRES_CODES.has(code)) return 'postgres';
  if (POSTGRES_MESSAGES.some((re) => re.test(message))) return 'postgres';
  if (err.name === 'MaxRetriesPerRequestError' || REDIS_MESSAGES.some((re) => re.test(message))) return 'redis';
  if (code && NETWORK_CODES.has(code)) return 'network';
  return undefined;
}

/**
 * Which dependency an error says is down: `'postgres'`, `'redis'`, `'unknown'` for a bare socket
 * error whose client cannot be told, or undefined when the error is something else.
 */
export function unavailableDependency(err: unknown, depth = 0): Dependency | 'unknown' | undefined {
  if (depth > 5 || err === null || typeof err !== 'object') return undefined;
  const e = err as ErrorLike;
  const own = classify(e);
  if (own === 'postgres' || own === 'redis') return own;
  const nested = [e.cause, ...(Array.isArray(e.errors) ? e.errors : [])];
  for (const inner of nested) {
    const found = unavailableDependency(inner, depth + 1);
    if (found) return found;
  }
  return own === 'network' ? 'unknown' : undefined;
}
