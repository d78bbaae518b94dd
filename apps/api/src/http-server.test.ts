import { connect } from 'node:net';
import type { Server } from 'node:http';
import { PassThrough } from 'node:stream';
import { clientErrorAnswer, onClientError, rawResponse } from './client-error';
import { checkingIntervalMs, createHttpServer } from './http-server';

const config = { headersTimeoutMs: 60_000, requestTimeoutMs: 60_000, keepAliveTimeoutMs: 5000, socketTimeoutMs: 60_000, maxHeaderBytes: 2048 };

let server: Server;
let port: number;

beforeAll(async () => {
  server = createHttpServer((_req, res) => {
    res.setHeader('content-type', 'application/json');
    res.end('{"ok":true}');
  }, config);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  port = typeof address === 'object' && address ? address.port : 0;
});

afterAll(() => new Promise((resolve) => server.close(resolve)));

/** Sends raw bytes and reads until the server closes the connection. */
function raw(request: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let answer = '';
    socket.on('data', (chunk) => (answer += chunk.toString('utf8')));
    socket.on('close', () => resolve(answer));
    socket.on('error', reject);
    socket.write(request);
  });
}

function parse(answer: string): { status: number; headers: string; body: unknown } {
  const [head = '', body = ''] = answer.split('\r\n\r\n');
  return { status: Number(head.split(' ')[1]), headers: head, body: JSON.parse(body) };
}

describe('createHttpServer', () => {
  it('sets the timeouts it is given', () => {
    expect(server).toMatchObject({ headersTimeout: 60_000, requestTimeout: 60_000, keepAliveTimeout: 5000, timeout: 60_000 });
  });

  it('answers a normal request', async () => {
    const res = await fetch(`http://127.0.0.1:${port}/`);
    expect(await res.json()).toEqual({ ok: true });
  });

  it('answers headers above the limit with a 431 in the error shape, naming the limit', async () => {
    const answer = parse(await raw(`GET / HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(4000)}\r\n\r\n`));
    expect(answer.status).toBe(431);
    expect(answer.headers).toMatch(/content-type: application\/json/i);
    expect(answer.headers).toMatch(/connection: close/i);
    expect(answer.body).toEqual({ error: { code: 'HEADERS_TOO_LARGE', message: expect.stringContaining('HTTP_MAX_HEADER_BYTES'), details: [] } });
  });

  it('answers a malformed request with a 400 in the error shape', async () => {
    const answer = parse(await raw('BREW /pot HTCPCP/1.0\r\n\r\n'));
    expect(answer.status).toBe(400);
    expect(answer.body).toEqual({ error: { code: 'BAD_REQUEST', message: 'malformed HTTP request', details: [] } });
  });
});

describe('clientErrorAnswer', () => {
  const limits = { maxHeaderBytes: 2048, headersTimeoutMs: 10_000, requestTimeoutMs: 30_000 };

  it.each([
    ['HPE_HEADER_OVERFLOW', 431, 'HEADERS_TOO_LARGE'],
    ['HPE_CHUNK_EXTENSIONS_OVERFLOW', 413, 'PAYLOAD_TOO_LARGE'],
    ['ERR_HTTP_REQUEST_TIMEOUT', 408, 'REQUEST_TIMEOUT'],
    ['HPE_INVALID_METHOD', 400, 'BAD_REQUEST'],
    [undefined, 400, 'BAD_REQUEST'],
  ])('%s is a %i %s', (code, status, errorCode) => {
    const answer = clientErrorAnswer({ code }, limits);
    expect(answer.status).toBe(status);
    expect(answer.body.error.code).toBe(errorCode);
  });

  it('names the timeouts and their variables in a 408', () => {
    expect(clientErrorAnswer({ code: 'ERR_HTTP_REQUEST_TIMEOUT' }, limits).body.error.message).toMatch(/10000 ms \(HTTP_HEADERS_TIMEOUT_MS\).*30000 ms \(HTTP_REQUEST_TIMEOUT_MS\)/);
  });

  it('writes a complete HTTP response with the right length', () => {
    const text = rawResponse(clientErrorAnswer({ code: 'HPE_INVALID_METHOD' }, limits));
    const [head, body = ''] = text.split('\r\n\r\n');
    expect(head).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/);
    expect(head).toContain(`Content-Length: ${Buffer.byteLength(body)}`);
  });
});

describe('onClientError', () => {
  const handler = onClientError({ maxHeaderBytes: 2048, headersTimeoutMs: 10_000, requestTimeoutMs: 30_000 });

  function socket(inFlight?: { headersSent: boolean }) {
    const s = Object.assign(new PassThrough(), inFlight ? { _httpMessage: inFlight } : {});
    let written = '';
    s.on('data', (chunk: Buffer) => (written += chunk.toString()));
    return { s, written: () => written };
  }

  it('writes nothing into a response already under way, and closes the socket', () => {
    const { s, written } = socket({ headersSent: true });
    handler(Object.assign(new Error('timeout'), { code: 'ERR_HTTP_REQUEST_TIMEOUT' }), s);
    expect(written()).toBe('');
    expect(s.destroyed).toBe(true);
  });

  it('writes nothing to a peer that reset the connection', () => {
    const { s, written } = socket();
    handler(Object.assign(new Error('reset'), { code: 'ECONNRESET' }), s);
    expect(written()).toBe('');
    expect(s.destroyed).toBe(true);
  });
});

describe('checkingIntervalMs', () => {
  it.each([[10_000, 1000], [60_000, 1000], [2000, 200], [100, 50]])('for a headers timeout of %i ms is %i ms', (timeout, interval) => {
    expect(checkingIntervalMs(timeout)).toBe(interval);
  });
});
