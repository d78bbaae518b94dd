import { createServer, type RequestListener, type Server } from 'node:http';
import type { HttpServerConfig } from './config';
import { onClientError } from './client-error';

/**
 * The api's HTTP server, with every timeout set on purpose: a client that sends its request slowly,
 * or not at all, or stops reading the answer, loses its connection in bounded time, and a request
 * Node's parser refuses (headers too large, malformed, too slow) is answered in the error shape.
 */
export function createHttpServer(app: RequestListener, config: HttpServerConfig): Server {
  const server = createServer({
    maxHeaderSize: config.maxHeaderBytes,
    headersTimeout: config.headersTimeoutMs,
    requestTimeout: config.requestTimeoutMs,
    // Node checks those two timeouts on this interval (30 s by default, which would stretch them).
    connectionsCheckingInterval: checkingIntervalMs(config.headersTimeoutMs),
  }, app);
  server.keepAliveTimeout = config.keepAliveTimeoutMs;
  server.timeout = config.socketTimeoutMs;
  server.on('clientError', onClientError({
    maxHeaderBytes: config.maxHeaderBytes,
    headersTimeoutMs: config.headersTimeoutMs,
    requestTimeoutMs: config.requestTimeoutMs,
  }));
  return server;
}

/** A tenth of the headers timeout, between 50 ms and 1 s: a slow client is cut at most that late. */
export const checkingIntervalMs = (headersTimeoutMs: number): number => Math.min(1000, Math.max(50, Math.floor(headersTimeoutMs / 10)));
