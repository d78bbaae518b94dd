import type { Duplex } from 'node:stream';
import type { ErrorBody } from './error-middleware';

/** What a request that Node's HTTP parser refused (before Express saw it) is answered. */
export interface ClientErrorAnswer {
  status: number;
  reason: string;
  body: ErrorBody;
}

const answer = (status: number, reason: string, code: string, message: string): ClientErrorAnswer => ({
  status,
  reason,
  body: { error: { code, message, details: [] } },
});

/**
 * Maps an error of Node's HTTP parser or of its timeouts (the `clientError` event) to an answer
 * in the API's error shape. Node's own answers to these have no body at all.
 */
export function clientErrorAnswer(err: { code?: unknown }, limits: { maxHeaderBytes: number; headersTimeoutMs: number; requestTimeoutMs: number }): ClientErrorAnswer {
  switch (err.code) {
    case 'HPE_HEADER_OVERFLOW':
      return answer(431, 'Request Header Fields Too Large', 'HEADERS_TOO_LARGE',
        `request headers are larger than the limit of ${limits.maxHeaderBytes} bytes (HTTP_MAX_HEADER_BYTES)`);
    case 'HPE_CHUNK_EXTENSIONS_OVERFLOW':
      return answer(413, 'Payload Too Large', 'PAYLOAD_TOO_LARGE', 'chunk extensions of the request body are too large');
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return answer(408, 'Request Timeout', 'REQUEST_TIMEOUT',
        `the request was not received in time: headers within ${limits.headersTimeoutMs} ms (HTTP_HEADERS_TIMEOUT_MS), ` +
        `the whole request within ${limits.requestTimeoutMs} ms (HTTP_REQUEST_TIMEOUT_MS)`);
    default:
      return answer(400, 'Bad Request', 'BAD_REQUEST', 'malformed HTTP request');
  }
}

/** The raw HTTP/1.1 response for a socket whose request never reached the app; the connection closes after it. */
export function rawResponse({ status, reason, body }: ClientErrorAnswer): string {
  const json = JSON.stringify(body);
  return `HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/json; charset=utf-8\r\n` +
    `Content-Length: ${Buffer.byteLength(json)}\r\nConnection: close\r\n\r\n${json}`;
}

/**
 * A `clientError` listener: answers in the error shape, as Node would have answered without a body,
 * and closes the connection. Like Node, it writes nothing when part of a response is already out
 * (the bytes would corrupt it) or the peer is gone.
 */
export function onClientError(limits: Parameters<typeof clientErrorAnswer>[1]) {
  return (err: Error & { code?: unknown }, socket: Duplex): void => {
    // `_httpMessage` is the response in flight on this socket: Node's own handler checks it the same way.
    const inFlight = (socket as { _httpMessage?: { headersSent?: boolean } | null })._httpMessage;
    if (err.code === 'ECONNRESET' || !socket.writable || inFlight?.headersSent) {
      socket.destroy();
      return;
    }
    // Closed once flushed; and soon in any case, since a client that does not read could hold it open.
    socket.end(rawResponse(clientErrorAnswer(err, limits)), () => socket.destroy());
    setTimeout(() => socket.destroy(), 1000).unref();
  };
}
