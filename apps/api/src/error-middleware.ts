import type { ErrorRequestHandler, RequestHandler } from 'express';
import { BatonError, httpStatusOf, isErrorCode, type ErrorDetail } from '@baton/core';
import { unavailableDependency } from '@baton/runtime';
import type { Logger } from '@baton/telemetry';

export type { ErrorDetail };

/** The body of every 4xx/5xx answer (API.md, Errors). */
export interface ErrorBody {
  error: { code: string; message: string; details: ErrorDetail[] };
}

interface Answer {
  status: number;
  body: ErrorBody;
  /** How the error is logged: expected client errors are not. */
  log?: 'warn' | 'error';
}

const answer = (status: number, code: string, message: string, details: ErrorDetail[] = []): Answer => ({
  status,
  body: { error: { code, message, details } },
});

const ENCODINGS = 'identity, gzip, deflate or br';

/** Errors of express.json (body-parser) carry a `type`; those of decompression a zlib `code`. */
function bodyParserAnswer(err: { type?: unknown; limit?: unknown; status?: unknown; code?: unknown; encoding?: unknown }): Answer | undefined {
  if (typeof err.code === 'string' && /^(Z_|ERR_BROTLI|ERR__ERROR)/.test(err.code) && err.status === 400) {
    return answer(400, 'BAD_REQUEST', 'request body could not be decompressed: it is not what its Content-Encoding says', [
      { path: 'Content-Encoding', message: 'does not match the body' },
    ]);
  }
  switch (err.type) {
    case 'entity.too.large':
      return answer(413, 'PAYLOAD_TOO_LARGE', `request body is larger than the limit of ${String(err.limit)} bytes`);
    case 'entity.parse.failed':
      return answer(400, 'INVALID_JSON', 'request body is not valid JSON (an object or array)');
    case 'encoding.unsupported':
      return answer(415, 'UNSUPPORTED_MEDIA_TYPE', `Content-Encoding ${String(err.encoding).slice(0, 100)} is not supported; send ${ENCODINGS}`, [
        { path: 'Content-Encoding', message: `must be ${ENCODINGS}` },
      ]);
    case 'charset.unsupported':
      return answer(415, 'UNSUPPORTED_MEDIA_TYPE', 'request body must be UTF-8 application/json');
    case 'request.aborted':
    case 'request.size.invalid':
    case 'parameters.too.many':
      return answer(400, 'BAD_REQUEST', 'request body could not be read');
    default:
      // Any other client error of the body reader (http-errors marks them `expose`) is still the client's.
      if ((err as { expose?: unknown }).expose === true && typeof err.status === 'number' && err.status >= 400 && err.status < 500) {
        return answer(400, 'BAD_REQUEST', 'request body could not be read');
      }
      return undefined;
  }
}

/** Maps any error to the status and body the client sees. Never exposes stacks, SQL or driver messages. */
export function toErrorAnswer(err: unknown): Answer {
  if (err instanceof BatonError) {
    // The union is closed at compile time; a code forced past it (a cast, plain JS) is still a 500.
    const status = isErrorCode(err.code) ? httpStatusOf(err.code) : undefined;
    if (status === undefined) return { ...answer(500, 'INTERNAL', 'internal error'), log: 'error' };
    return { ...answer(status, err.code, err.message, [...err.details]), log: status >= 500 ? 'warn' : undefined };
  }
  if (err !== null && typeof err === 'object') {
    const parser = bodyParserAnswer(err as { type?: unknown });
    if (parser) return parser;
  }
  if (err instanceof URIError) {
    // The router's decoding of a path parameter; `wellFormedPath` normally answers first.
    return answer(404, 'NOT_FOUND', 'no resource at a path that is not valid percent-encoding');
  }
  const dependency = unavailableDependency(err);
  if (dependency) {
    const what = dependency === 'unknown' ? 'a dependency' : dependency === 'postgres' ? 'the database' : 'the queue (Redis)';
    return { ...answer(503, 'UNAVAILABLE', `${what} is unavailable; try again later`), log: 'warn' };
  }
  return { ...answer(500, 'INTERNAL', 'internal error'), log: 'error' };
}

/** The one error handler of the app (STYLE rule 8). */
export function errorMiddleware(logger: Logger): ErrorRequestHandler {
  return (err: unknown, req, res, _next) => {
    const { status, body, log } = toErrorAnswer(err);
    if (log) {
      const e = err instanceof Error ? err : undefined;
      logger[log](status >= 500 && status !== 503 ? 'unhandled error' : 'dependency unavailable', {
        requestId: req.requestId,
        method: req.method,
        path: req.path,
        error: e ? `${e.name}: ${e.message}` : String(err),
        code: (err as { code?: unknown } | null)?.code,
        stack: log === 'error' ? e?.stack : undefined,
      });
    }
    if (res.headersSent) {
      // Part of a body is out: the status cannot change, so cut the connection.
      req.socket.destroy();
      return;
    }
    if (status === 503) res.setHeader('Retry-After', '1');
    res.status(status).json(body);
  };
}

/** The last route: anything unmatched is a 404 in the error shape. */
export const notFound: RequestHandler = (req) => {
  throw new BatonError('NOT_FOUND', `no route for ${req.method} ${req.path.slice(0, 200)}`);
};
