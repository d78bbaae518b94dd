import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { executeAgent, startAgent, type StartedAgent } from '@baton/agent-sdk';
import { jobOf, memoryLogger } from '@baton/agent-sdk/testing';
import { guardedLookup, httpAgent } from './http';
import { AddressPolicy } from './address-policy';

interface Seen {
  method?: string;
  url?: string;
  headers: IncomingMessage['headers'];
  body: string;
}

let server: Server;
let base: string;
let port: number;
const seen: Seen[] = [];

const routes: Record<string, (req: IncomingMessage, res: ServerResponse) => void> = {
  '/json': (_req, res) => res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'x-trace': 'abc' }).end('{"ok":true,"n":[1,2]}'),
  '/text': (_req, res) => res.writeHead(200, { 'content-type': 'text/plain' }).end('hello'),
  '/echo': (req, res) => res.writeHead(201, { 'content-type': 'application/json' }).end(JSON.stringify({ method: req.method, body: seen.at(-1)?.body, type: req.headers['content-type'] })),
  '/missing': (_req, res) => res.writeHead(404).end('no'),
  '/busy': (_req, res) => res.writeHead(429).end('slow down'),
  '/broken': (_req, res) => res.writeHead(503).end('down'),
  '/slow': (_req, res) => void setTimeout(() => res.writeHead(200).end('late'), 2000).unref(),
  '/big': (_req, res) => res.writeHead(200, { 'content-type': 'text/plain' }).end('x'.repeat(5000)),
  // Chunked: no content-length, so the cap applies while reading.
  '/big-chunked': (_req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain' });
    for (let i = 0; i < 10; i++) res.write('y'.repeat(1000));
    res.end();
  },
  '/redirect': (_req, res) => res.writeHead(302, { location: '/json' }).end(),
  '/redirect-loop': (_req, res) => res.writeHead(302, { location: '/redirect-loop' }).end(),
  '/redirect-post': (_req, res) => res.writeHead(303, { location: '/echo' }).end(),
};

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      seen.push({ method: req.method, url: req.url, headers: req.headers, body: Buffer.concat(chunks).toString() });
      const route = routes[new URL(req.url ?? '/', 'http://x').pathname];
      if (route) route(req, res);
      else res.writeHead(404).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
  base = `http://127.0.0.1:${port}`;
  routes['/to-loopback'] = (_req, res) => res.writeHead(302, { location: `http://localhost:${port}/json` }).end();
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

const started: StartedAgent[] = [];
afterEach(async () => {
  await Promise.all(started.splice(0).map((s) => s.close()));
});

async function agentWith(config: Record<string, unknown> = {}) {
  const s = await startAgent(httpAgent, config, { logger: memoryLogger(), signal: new AbortController().signal });
  started.push(s);
  return (input: unknown, over = {}) => executeAgent(httpAgent, jobOf(input, { runId: 'run-7', key: 'fetch[2]', ...over }), { signal: new AbortController().signal, logger: memoryLogger(), deps: s.deps });
}
const allowingLoopback = () => agentWith({ allow: ['127.0.0.1'] });

describe('http: success', () => {
  it('parses a JSON response and returns status and headers, sending the idempotency key', async () => {
    const call = await allowingLoopback();
    const outcome = await call({ url: `${base}/json` });
    expect(outcome).toMatchObject({ type: 'succeeded', output: { status: 200, body: { ok: true, n: [1, 2] }, headers: { 'x-trace': 'abc' } } });
    expect(seen.at(-1)).toMatchObject({ method: 'GET', url: '/json' });
    expect(seen.at(-1)!.headers['idempotency-key']).toBe('run-7:fetch[2]');
  });

  it('returns a text body as text', async () => {
    const call = await allowingLoopback();
    expect(await call({ url: `${base}/text` })).toMatchObject({ type: 'succeeded', output: { status: 200, body: 'hello' } });
  });

  it('sends headers and a JSON body, or a string body as it is', async () => {
    const call = await allowingLoopback();
    const outcome = await call({ url: `${base}/echo`, method: 'POST', headers: { 'X-Custom': 'v', 'Idempotency-Key': 'mine' }, body: { a: 1 } });
    expect(outcome).toMatchObject({ type: 'succeeded', output: { status: 201, body: { method: 'POST', body: '{"a":1}', type: 'application/json' } } });
    expect(seen.at(-1)!.headers).toMatchObject({ 'x-custom': 'v', 'idempotency-key': 'mine' });
    const text = await call({ url: `${base}/echo`, method: 'PUT', headers: { 'content-type': 'text/csv' }, body: 'a,b', idempotencyKey: false });
    expect(text).toMatchObject({ type: 'succeeded', output: { body: { method: 'PUT', body: 'a,b', type: 'text/csv' } } });
    expect(seen.at(-1)!.headers).not.toHaveProperty('idempotency-key');
  });
});

describe('http: failures', () => {
  it('fails a 4xx without retries, and retries one listed in retryOn', async () => {
    const call = await allowingLoopback();
    expect(await call({ url: `${base}/missing` })).toMatchObject({ type: 'failed', error: { code: 'HTTP_STATUS', message: expect.stringContaining('404') }, retryable: false });
    expect(await call({ url: `${base}/busy` })).toMatchObject({ type: 'failed', retryable: false });
    expect(await call({ url: `${base}/busy`, retryOn: [429] })).toMatchObject({ type: 'failed', error: { message: expect.stringContaining('429') }, retryable: true });
  });

  it('names the origin only in its errors: a path or query may carry a token', async () => {
    const call = await allowingLoopback();
    const outcome = await call({ url: `${base}/missing/T0K3N?key=s3cret` });
    expect(outcome).toMatchObject({ type: 'failed', error: { message: `GET ${base} answered 404` } });
    expect(await call({ url: 'http://exa mple.com/T0K3N' })).toMatchObject({ type: 'failed', error: { message: 'invalid URL' }, retryable: false });
  });

  it('fails a 5xx and a network error retryably', async () => {
    const call = await allowingLoopback();
    expect(await call({ url: `${base}/broken` })).toMatchObject({ type: 'failed', error: { message: expect.stringContaining('503') }, retryable: true });
    // A port nothing listens on: connection refused.
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const free = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    expect(await call({ url: `http://127.0.0.1:${free}/` })).toMatchObject({ type: 'failed', error: { code: 'AGENT_ERROR' }, retryable: true });
  });

  it('times out retryably', async () => {
    const call = await allowingLoopback();
    const startedAt = Date.now();
    expect(await call({ url: `${base}/slow`, timeoutMs: 100 })).toMatchObject({ type: 'failed', error: { message: expect.stringContaining('timed out after 100 ms') }, retryable: true });
    expect(Date.now() - startedAt).toBeLessThan(1500);
  });

  it('caps the response size, with and without content-length, and lets a step lower but not raise the cap', async () => {
    const call = await agentWith({ allow: ['127.0.0.1'], maxResponseBytes: 4096 });
    for (const path of ['/big', '/big-chunked']) {
      expect(await call({ url: `${base}${path}` })).toMatchObject({ type: 'failed', error: { code: 'HTTP_RESPONSE_TOO_LARGE' }, retryable: false });
      expect(await call({ url: `${base}${path}`, maxResponseBytes: 1_000_000 })).toMatchObject({ type: 'failed', error: { code: 'HTTP_RESPONSE_TOO_LARGE' } });
    }
    expect(await call({ url: `${base}/text`, maxResponseBytes: 4 })).toMatchObject({ type: 'failed', error: { code: 'HTTP_RESPONSE_TOO_LARGE' } });
    expect(await call({ url: `${base}/text`, maxResponseBytes: 5 })).toMatchObject({ type: 'succeeded', output: { body: 'hello' } });
  });
});

describe('http: redirects', () => {
  it('refuses a redirect by default and follows it when asked', async () => {
    const call = await allowingLoopback();
    expect(await call({ url: `${base}/redirect` })).toMatchObject({ type: 'failed', error: { code: 'HTTP_REDIRECT' }, retryable: false });
    expect(await call({ url: `${base}/redirect`, followRedirects: true })).toMatchObject({ type: 'succeeded', output: { status: 200, body: { ok: true } } });
  });

  it('turns a POST into a GET after a 303, and stops after 5 hops', async () => {
    const call = await allowingLoopback();
    expect(await call({ url: `${base}/redirect-post`, method: 'POST', body: { a: 1 }, followRedirects: true })).toMatchObject({ type: 'succeeded', output: { body: { method: 'GET', body: '' } } });
    const before = seen.length;
    expect(await call({ url: `${base}/redirect-loop`, followRedirects: true })).toMatchObject({ type: 'failed', error: { code: 'HTTP_REDIRECT', message: 'more than 5 redirects' } });
    expect(seen.length - before).toBe(6);
  });

  it('checks every hop: a redirect to a loopback address is refused even when following', async () => {
    const call = await allowingLoopback();
    // The first hop is allowed (127.0.0.1); each second one is not.
    for (const location of [`http://[::1]:${port}/json`, `http://2130706434:${port}/json`, `http://127.0.0.2:${port}/json`, 'http://169.254.169.254/latest/meta-data/', 'file:///etc/passwd']) {
      routes['/hop'] = (_req, res) => res.writeHead(302, { location }).end();
      expect(await call({ url: `${base}/hop`, followRedirects: true })).toMatchObject({ type: 'failed', error: { code: 'HTTP_ADDRESS_REFUSED' }, retryable: false });
    }
  });

});

describe('http: SSRF guard', () => {
  it.each([
    '127.0.0.1',
    '[::1]',
    '0.0.0.0',
    '2130706433', // decimal 127.0.0.1
    '0177.0.0.1', // octal 127.0.0.1
    '0x7f.1', // hex, short form
    '169.254.169.254',
    '[::ffff:127.0.0.1]',
    '[::ffff:7f00:1]',
    '[64:ff9b::127.0.0.1]',
    '[::]',
    '10.1.2.3',
    '172.16.0.1',
    '192.168.1.1',
    '100.64.0.1',
    '224.0.0.1',
    '[fe80::1]',
    '[fd00::1]',
    '[ff02::1]',
  ])('refuses http://%s without allowing it', async (host) => {
    const call = await agentWith();
    const before = seen.length;
    expect(await call({ url: `http://${host}:${port}/json` })).toMatchObject({ type: 'failed', error: { code: 'HTTP_ADDRESS_REFUSED' }, retryable: false });
    expect(seen.length).toBe(before);
  });

  it('refuses a name that resolves to loopback (localhost), checked as it connects', async () => {
    const call = await agentWith();
    expect(await call({ url: `http://localhost:${port}/json` })).toMatchObject({ type: 'failed', error: { code: 'HTTP_ADDRESS_REFUSED', message: expect.stringContaining('localhost') }, retryable: false });
  });

  it.each(['file:///etc/passwd', 'gopher://127.0.0.1:70/x', 'ftp://example.com/', 'data:text/plain,hi'])('refuses %s: only http and https', async (url) => {
    const call = await agentWith({ allow: ['127.0.0.1'] });
    expect(await call({ url })).toMatchObject({ type: 'failed', error: { code: 'HTTP_ADDRESS_REFUSED', message: expect.stringContaining('only http and https') }, retryable: false });
  });

  it('lets through what the allow list names: an address, a CIDR, a host name', async () => {
    for (const allow of [['127.0.0.1'], ['127.0.0.0/8'], ['localhost']]) {
      const call = await agentWith({ allow });
      const url = allow[0] === 'localhost' ? `http://localhost:${port}/json` : `${base}/json`;
      expect(await call({ url })).toMatchObject({ type: 'succeeded', output: { status: 200 } });
    }
  });

  it('refuses a bad allow list at setup', async () => {
    await expect(agentWith({ allow: ['10.0.0.0/33'] })).rejects.toThrow('invalid CIDR');
    await expect(agentWith({ allow: ['not a host'] })).rejects.toThrow('invalid entry');
  });
});

describe('guardedLookup', () => {
  const fake = (addresses: string[]) =>
    ((_host: string, _options: unknown, callback: (e: null, a: { address: string; family: number }[]) => void) =>
      callback(null, addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 })))) as never;
  const resolveWith = (policy: AddressPolicy, addresses: string[], all = false) =>
    new Promise<{ error: unknown; address: unknown }>((resolve) => guardedLookup(policy, fake(addresses))('rebind.test', { all }, (error, address) => resolve({ error, address })));

  it('refuses a name when any of its addresses is blocked (a rebinding answer included)', async () => {
    const policy = new AddressPolicy();
    expect(await resolveWith(policy, ['93.184.216.34'])).toEqual({ error: null, address: '93.184.216.34' });
    expect((await resolveWith(policy, ['93.184.216.34', '127.0.0.1'])).error).toMatchObject({ code: 'HTTP_ADDRESS_REFUSED' });
    expect((await resolveWith(policy, ['::ffff:169.254.169.254'])).error).toMatchObject({ code: 'HTTP_ADDRESS_REFUSED' });
    expect((await resolveWith(policy, ['93.184.216.34', '2606:2800::1'], true)).address).toEqual([{ address: '93.184.216.34', family: 4 }, { address: '2606:2800::1', family: 6 }]);
  });

  it('lets a name through when allowed by name or address', async () => {
    expect((await resolveWith(new AddressPolicy(['rebind.test']), ['127.0.0.1'])).error).toBeNull();
    expect((await resolveWith(new AddressPolicy(['127.0.0.0/8']), ['127.0.0.1'])).error).toBeNull();
  });
});

describe('AddressPolicy', () => {
  const policy = new AddressPolicy();
  it.each(['8.8.8.8', '2606:4700::1111', '::ffff:8.8.8.8', '64:ff9b::808:808', '172.32.0.1', '100.128.0.1'])('lets %s through', (address) => {
    expect(policy.refusal(address)).toBeUndefined();
  });
  it.each(['127.0.0.1', '::1', '::', '0.0.0.0', '::ffff:10.0.0.1', '64:ff9b::7f00:1', '64:ff9b::a9fe:a9fe', 'fc00::1', '239.255.255.250', '255.255.255.255'])('refuses %s', (address) => {
    expect(policy.refusal(address)).toContain(address);
  });
});
