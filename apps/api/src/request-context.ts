import { randomUUID } from 'node:crypto';
import type { Request, RequestHandler } from 'express';
import { formatTraceparent, parseTraceparent } from '@baton/queue';
import { activeTraceparent, nameRequestSpan, type Logger, type Metrics } from '@baton/telemetry';

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace -- Express's own extension point
  namespace Express {
    interface Request {
      /** `X-Request-Id` of the request, or one generated for it; echoed on the response. */
      requestId: string;
      /** The logger of this request: every line carries its `requestId` (and `traceId` when there is a trace). */
      log: Logger;
      /**
       * W3C `traceparent` of the request's span when tracing is on, else the client's `traceparent`
       * header when valid: what a submission's first jobs, and the run, continue.
       */
      traceparent: string | undefined;
    }
  }
}

/** A client's id is kept only when it is short and plain, so it cannot forge log lines. */
const CLIENT_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** The label of requests no route matched: raw paths would make a series per URL. */
export const UNMATCHED_ROUTE = 'unmatched';

const mountedRoutes = new WeakMap<Request, string>();

/**
 * Names every request reaching it `route` (`/admin/queues/*`), whatever the mounted app under it
 * matches: that app's own route table (Bull Board's, with queue names and job ids as parameters)
 * is not ours to label series with.
 */
export function mountedRoute(route: string): RequestHandler {
  return (req, _res, next) => {
    mountedRoutes.set(req, route);
    next();
  };
}

/** The route template a request matched (`/v1/runs/:id`), for metrics and logs. */
export function routeOf(req: Request): string {
  const mounted = mountedRoutes.get(req);
  if (mounted !== undefined) return mounted;
  const path: unknown = req.route?.path;
  return typeof path === 'string' ? req.baseUrl + path : UNMATCHED_ROUTE;
}

/**
 * First middleware of the app: gives the request its id,  gives it a logger carrying that id, and records the HTTP metrics and an access log line when it ends.
 */
export function requestContext(logger: Logger, metrics: Pick<Metrics, 'httpRequests' | 'httpDuration'>): RequestHandler {
  return (req, res, next) => {
    const incoming = req.get('x-request-id');
    req.requestId = incoming && CLIENT_ID.test(incoming) ? incoming : randomUUID();
    res.setHeader('X-Request-Id', req.requestId);
    const traced = activeTraceparent();
    const clientTrace = traced === undefined ? parseTraceparent(req.get('traceparent')) : undefined;
    req.traceparent = traced ?? (clientTrace && formatTraceparent(clientTrace));
    req.log = logger.child(req.traceparent ? { requestId: req.requestId, traceId: req.traceparent.slice(3, 35) } : { requestId: req.requestId });
    const started = process.hrtime.bigint();
    let recorded = false;
    const record = (): void => {
      if (recorded) return;
      recorded = true;
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const route = routeOf(req);
      nameRequestSpan(route);
      const status = res.headersSent ? res.statusCode : 499; // 499: the client went away first
      metrics.httpRequests.inc({ method: req.method, route, status: String(status) });
      metrics.httpDuration.observe(seconds, { method: req.method, route });
      req.log.info('request', { method: req.method, route, status, durationMs: Math.round(seconds * 1000) });
    };
    res.once('finish', record);
    res.once('close', record);
    next();
  };
}
