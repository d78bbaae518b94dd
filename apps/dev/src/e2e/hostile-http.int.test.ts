import { connect, type Socket } from 'node:net';
import { gzipSync } from 'node:zlib';
import { BatonHarness } from '../testing/baton-harness';
import { bystandersSucceed, whileProbingHealth, healthBound } from '../testing/hostile';

// Issue 7, the HTTP edge cases (11-15, slow clients, large values on GET): each sent through HTTP
// to a real api and worker, with /healthz probed meanwhile and other clients' runs checked after.

jest.setTimeout(90_000);

const HEADERS_TIMEOUT_MS = 1000;
const REQUEST_TIMEOUT_MS = 2000;
const KEEP_ALIVE_TIMEOUT_MS = 1000;
const BUDGET = 256 * 1024;

let baton: BatonHarness;
/**
 * How long `/healthz` may take while an attack runs: 100 ms as the issue asks, or twice what it
 * takes with no attack at all when the machine is that busy (api, worker and test share one
 * process here, and CI machines are shared): an attack may not add a freeze of its own.
 */
let healthyMs = 100;

beforeAll(async () => {
  baton = await BatonHarness.start({
    env: {
      HTTP_HEADERS_TIMEOUT_MS: String(HEADERS_TIMEOUT_MS),
      HTTP_REQUEST_TIMEOUT_MS: String(REQUEST_TIMEOUT_MS),
      HTTP_KEEP_ALIVE_TIMEOUT_MS: String(KEEP_ALIVE_TIMEOUT_MS),
      BATON_RUN_VIEW_BUDGET: String(BUDGET),
    },
  });
  // Warm: the first runs (and health probes) of a process compile what every later one reuses.
  await whileProbingHealth(baton, () => bystandersSucceed(baton, 5));
  healthyMs = await healthBound(baton);
});

afterAll(async () => {
  await baton?.close();
});

interface Answer {
  status: number;
  text: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- answers are checked field by field
  body: any;
}

async function call(method: string, path: string, init: { body?: RequestInit['body']; headers?: Record<string, string> } = {}): Promise<Answer> {
  const res = await fetch(`${baton.url}${path}`, { method, headers: init.headers, body: init.body });
  const text = await res.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  return { status: res.status, text, body };
}

/** Every answer of the attack is a 4xx in the error shape, /healthz kept answering within 100 ms, and other clients' runs went through. */
async function hostile(attack: () => Promise<Answer[]>): Promise<Answer[]> {
  const outcome = await whileProbingHealth(baton, async () => {
    const [answers] = await Promise.all([attack(), bystandersSucceed(baton, 5)]);
    return answers;
  });
  for (const a of outcome.result) {
    expect(a.status).toBeGreaterThanOrEqual(400);
    expect(a.status).toBeLessThan(500);
    expect(a.body).toEqual({ error: { code: expect.any(String), message: expect.any(String), details: expect.any(Array) } });
  }
  expect(outcome.unhealthy).toBe(0);
  expect(outcome.worstHealthMs).toBeLessThan(healthyMs);
  return outcome.result;
}

const echo = { name: 'hostile-echo', steps: [{ id: 'a', agent: 'echo', input: { text: '{{ $input.text }}' } }] };

/** Sends raw bytes on a new connection and collects what comes back until the server closes it. */
function raw(request: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(Number(new URL(baton.url).port), '127.0.0.1');
    let answer = '';
    socket.on('data', (chunk) => (answer += chunk.toString('utf8')));
    socket.on('close', () => resolve(answer));
    socket.on('error', reject);
    socket.write(request);
  });
}

function rawAnswer(text: string): Answer {
  const [head = '', body = ''] = text.split('\r\n\r\n');
  return { status: Number(head.split(' ')[1]), text: body, body: body ? JSON.parse(body) : undefined };
}

describe('11: a body that is not what its Content-Encoding says', () => {
  it('is a 400 naming Content-Encoding, for every encoding; an unknown encoding is a 415; a true gzip body is a run', async () => {
    const json = JSON.stringify({ workflow: echo, input: { text: 'hi' } });
    const answers = await hostile(() => Promise.all([
      ...['gzip', 'deflate', 'br'].map((encoding) => call('POST', '/v1/runs', { body: json, headers: { 'content-type': 'application/json', 'content-encoding': encoding } })),
      call('POST', '/v1/runs', { body: json, headers: { 'content-type': 'application/json', 'content-encoding': 'compress' } }),
    ]));
    expect(answers.map((a) => a.status)).toEqual([400, 400, 400, 415]);
    for (const a of answers) expect(a.body.error.details).toEqual([{ path: 'Content-Encoding', message: expect.any(String) }]);

    const zipped = await call('POST', '/v1/runs', { body: gzipSync(json), headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' } });
    expect(zipped.status).toBe(202);
    expect((await baton.waitFor(zipped.body.id)).status).toBe('succeeded');
  });
});

describe('12: a path that is not valid percent-encoding', () => {
  it('is a 404 in the error shape on every route', async () => {
    const answers = await hostile(() => Promise.all([
      call('GET', '/v1/runs/%zz'),
      call('POST', '/v1/runs/%zz/cancel'),
      call('POST', '/v1/runs/%E0%A4%A/retry'),
      call('GET', '/v1/payloads/%'),
      call('GET', '/v1/nothing/%zz'),
    ]));
    expect(answers.map((a) => a.status)).toEqual([404, 404, 404, 404, 404]);
  });
});

describe('13: a hand-made cursor', () => {
  const forge = (createdAt: string) =>
    Buffer.from(JSON.stringify({ createdAt, id: '0b7d2c9e-6f41-4f7a-9a55-1f3e0f6a7c21' })).toString('base64url');

  it('is a 400 naming the cursor: year 0 (which Postgres cannot store), a far future one, one dated tomorrow', async () => {
    const tomorrow = new Date(Date.now() + 86_400_000).toISOString();
    const answers = await hostile(() => Promise.all(
      [forge('0000-01-01T00:00:00Z'), forge('0000-01-01T00:00:00.000Z'), forge('9999-12-31T23:59:59.999Z'), forge(tomorrow)]
        .map((cursor) => call('GET', `/v1/runs?cursor=${cursor}`)),
    ));
    for (const a of answers) {
      expect(a.status).toBe(400);
      expect(a.body.error.details).toEqual([{ path: 'cursor', message: expect.any(String) }]);
    }
  });

  it('while a cursor the api issued still pages', async () => {
    await Promise.all([baton.submit(echo, { text: 'a' }), baton.submit(echo, { text: 'b' })]);
    const first = await call('GET', '/v1/runs?limit=1');
    expect(first.status).toBe(200);
    const next = await call('GET', `/v1/runs?limit=1&cursor=${first.body.nextCursor}`);
    expect(next.status).toBe(200);
    expect(next.body.items[0].id).not.toBe(first.body.items[0].id);
  });
});

describe('14: links in a 202', () => {
  it('lead only to routes that exist', async () => {
    const res = await call('POST', '/v1/runs', { body: JSON.stringify({ workflow: echo, input: { text: 'x' } }), headers: { 'content-type': 'application/json' } });
    expect(res.status).toBe(202);
    expect(Object.keys(res.body.links)).toEqual(['self', 'events']);
    // Each answers 200; the event stream ends once the run is final, so reading it to the end is bounded.
    for (const link of Object.values(res.body.links as Record<string, string>)) expect((await call('GET', link)).status).toBe(200);
  });
});

describe('15: small wrong answers', () => {
  it('an unknown query parameter, on any route, is a 400 naming it', async () => {
    const answers = await hostile(() => Promise.all([
      call('GET', '/v1/runs?status[]=queued'),
      call('GET', '/v1/runs?stauts=queued'),
      call('GET', '/v1/runs/0b7d2c9e-6f41-4f7a-9a55-1f3e0f6a7c21?verbose=1'),
      call('GET', '/v1/agents?page=2'),
      call('POST', '/v1/workflows/validate?dryRun=true', { body: JSON.stringify({ workflow: echo }), headers: { 'content-type': 'application/json' } }),
    ]));
    expect(answers.map((a) => [a.status, a.body.error.details[0].path])).toEqual([
      [400, 'status[]'], [400, 'stauts'], [400, 'verbose'], [400, 'page'], [400, 'dryRun'],
    ]);
    expect(answers[0]!.body.error.message).toContain('status[]');
  });

  it('an empty Content-Type says it is missing', async () => {
    const [res] = await hostile(async () => [await call('POST', '/v1/runs', { body: '{}', headers: { 'content-type': '' } })]);
    expect(res!.status).toBe(415);
    expect(res!.body.error.details).toEqual([{ path: 'Content-Type', message: 'is missing: send application/json' }]);
  });

  it('a NUL in an input key (and in its value) is reported once', async () => {
    const body = JSON.stringify({ workflow: echo, input: { text: 'x', 'k\u0000': 'v\u0000' } });
    const [res] = await hostile(async () => [await call('POST', '/v1/runs', { body, headers: { 'content-type': 'application/json' } })]);
    expect(res!.status).toBe(400);
    expect(res!.body.error.details).toHaveLength(1);
    expect(res!.body.error.details[0].path).toMatch(/^input\W+k/);
  });

  it('headers too large are a 431 with a body in the error shape', async () => {
    const answers = await hostile(async () => [
      rawAnswer(await raw(`GET /v1/runs HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`)),
      rawAnswer(await raw('GET /v1/runs HTTP/1.1\r\nHost: x\r\nContent-Length: nope\r\n\r\n')),
    ]);
    expect(answers.map((a) => [a.status, a.body.error.code])).toEqual([[431, 'HEADERS_TOO_LARGE'], [400, 'BAD_REQUEST']]);
  });
});

/** `promise`, or a failure after `ms`: a connection the server never closes must fail the test, not hang it. */
function within<T>(ms: number, promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`not closed within ${ms} ms`)), ms)));
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

describe('slow clients', () => {
  /** Opens a connection; resolves when the server closes it, with how long that took. */
  function slowConnection(kind: 'silent' | 'header drip' | 'body drip'): { closed: Promise<number>; socket: Socket } {
    const started = performance.now();
    const socket = connect(Number(new URL(baton.url).port), '127.0.0.1');
    socket.on('error', () => undefined);
    socket.resume(); // reads what the server answers, so it sees the server close the connection
    let timer: NodeJS.Timeout | undefined;
    const drip = (text: string) => {
      let i = 0;
      timer = setInterval(() => socket.writable && socket.write(text[i++ % text.length]!), 100);
    };
    socket.once('connect', () => {
      if (kind === 'header drip') drip(`GET /v1/runs HTTP/1.1\r\nHost: x\r\nX-Slow: ${'s'.repeat(1000)}`);
      if (kind === 'body drip') {
        socket.write('POST /v1/runs HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 10000\r\n\r\n{"a":"');
        drip('x');
      }
    });
    const closed = new Promise<number>((resolve) => socket.once('close', () => {
      clearInterval(timer);
      resolve(performance.now() - started);
    }));
    return { closed, socket };
  }

  it('200 connections that send nothing, or headers or a body a byte at a time, are closed in bounded time while the api serves others', async () => {
    const connections = [
      ...Array.from({ length: 80 }, () => slowConnection('silent')),
      ...Array.from({ length: 80 }, () => slowConnection('header drip')),
      ...Array.from({ length: 40 }, () => slowConnection('body drip')),
    ];
    try {
      const outcome = await whileProbingHealth(baton, async () => {
        await bystandersSucceed(baton, 10);
        return within(20_000, Promise.all(connections.map((c) => c.closed)));
      });
      expect(outcome.unhealthy).toBe(0);
      expect(outcome.worstHealthMs).toBeLessThan(healthyMs);
      const slowest = Math.max(...outcome.result);
      // Each is cut at its timeout plus the server's checking interval (a tenth of the headers timeout).
      expect(slowest).toBeLessThan(REQUEST_TIMEOUT_MS + 2000);
      const headerClosings = outcome.result.slice(0, 160);
      expect(Math.max(...headerClosings)).toBeLessThan(HEADERS_TIMEOUT_MS + 1500);
    } finally {
      for (const c of connections) c.socket.destroy();
    }
  });

  it('a slow client is told why, in the error shape (408)', async () => {
    const answer = rawAnswer(await raw('GET /v1/runs HTTP/1.1\r\nHost: x\r\n'));
    expect(answer.status).toBe(408);
    expect(answer.body.error).toMatchObject({ code: 'REQUEST_TIMEOUT', message: expect.stringContaining('HTTP_HEADERS_TIMEOUT_MS') });
  });

  it('an idle keep-alive connection is closed after the keep-alive timeout', async () => {
    const { closed, socket } = slowConnection('silent');
    socket.write('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n');
    const elapsed = await within(20_000, closed);
    expect(elapsed).toBeLessThan(KEEP_ALIVE_TIMEOUT_MS + 1500);
  });
});

describe('1: a run with large values', () => {
  const large = (n: number) => ({
    name: 'large-values',
    steps: Array.from({ length: n }, (_, i) => ({ id: `s${i}`, agent: 'echo', input: { blob: `{{ $pad("", 100000, "${String.fromCharCode(97 + i)}") }}` } })),
  });

  it('GET answers within its byte budget, linking what does not fit; every link serves its value', async () => {
    const id = await baton.submit(large(8));
    const run = await baton.waitFor(id, { timeoutMs: 30_000 });
    expect(run.status).toBe('succeeded');

    const res = await call('GET', `/v1/runs/${id}`);
    expect(res.status).toBe(200);
    expect(Buffer.byteLength(res.text)).toBeLessThanOrEqual(BUDGET);
    // The run's output (every step's, by name) comes first in the answer, then each step's.
    const outputs = [...Object.values(res.body.output as Record<string, unknown>), ...res.body.steps.map((s: { output: unknown }) => s.output)];
    const inline = outputs.filter((o: { blob?: string }) => typeof o.blob === 'string');
    const links = outputs.filter((o: { $ref?: string }) => typeof o.$ref === 'string');
    expect(inline.length).toBeGreaterThan(0);
    expect(links.length).toBeGreaterThan(0);
    expect(inline.length + links.length).toBe(16);
    // In document order, and all of one size: the first values inline, the rest linked.
    expect(outputs.slice(0, inline.length)).toEqual(inline);

    for (const link of links as Array<{ $ref: string }>) {
      expect(link.$ref).toMatch(/^\/v1\/payloads\/[0-9a-f-]{36}$/);
      const value = await call('GET', link.$ref);
      expect(value.status).toBe(200);
      expect(value.body.blob).toHaveLength(100_000);
    }
    const step = res.body.steps.findIndex((s: { output: { $ref?: string } }) => s.output.$ref);
    expect((await call('GET', res.body.steps[step].output.$ref)).body.blob).toBe(String.fromCharCode(97 + step).repeat(100_000));
  });

  it('a payload of another tenant\'s run, an unknown one and a malformed id are all 404', async () => {
    const id = await baton.submit(large(4));
    await baton.waitFor(id, { timeoutMs: 30_000 });
    const { rows } = await baton.db.kysely.selectFrom('payloads').select('id').where('run_id', '=', id).execute().then((r) => ({ rows: r }));
    expect(rows.length).toBeGreaterThan(0);
    const payload = rows[0]!.id;
    expect((await call('GET', `/v1/payloads/${payload}`)).status).toBe(200);

    await baton.db.kysely.updateTable('runs').set({ tenant: 'someone-else' }).where('id', '=', id).execute();
    const answers = await hostile(() => Promise.all([
      call('GET', `/v1/payloads/${payload}`),
      call('GET', '/v1/payloads/0b7d2c9e-6f41-4f7a-9a55-1f3e0f6a7c21'),
      call('GET', '/v1/payloads/not-a-uuid'),
      call('GET', `/v1/runs/${id}`),
    ]));
    expect(answers.map((a) => [a.status, a.body.error.code])).toEqual([
      [404, 'PAYLOAD_NOT_FOUND'], [404, 'PAYLOAD_NOT_FOUND'], [404, 'PAYLOAD_NOT_FOUND'], [404, 'RUN_NOT_FOUND'],
    ]);
  });
});
