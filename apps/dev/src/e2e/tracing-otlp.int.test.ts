import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { createTestDatabase, type TestDatabase } from '@baton/db/testing';
import { createRedis } from '@baton/queue';
import { freePort, waitFor } from '../testing/ephemeral-services';

/**
 * Issue 10 against built processes (`npm run build` first): an api and a worker export their spans
 * over OTLP/HTTP JSON to a receiver in this test. One run's spans share one trace, the worker's
 * step spans descend from the api's request span, and both processes' JSON log lines carry the
 * request id sent, the run, step and trace, and never the API key.
 */

jest.setTimeout(120_000);

const ROOT = join(__dirname, '../../../..');
const API = join(ROOT, 'apps/api/dist/main.js');
const WORKER = join(ROOT, 'apps/worker/dist/main.js');
const ADMIN_KEY = `admin-${randomUUID()}`;

interface OtlpSpan { service: string; traceId: string; spanId: string; parentSpanId?: string; name: string; attributes: Record<string, unknown> }

/** An OTLP/HTTP JSON receiver: `POST /v1/traces` with an `ExportTraceServiceRequest`. */
async function startReceiver(): Promise<{ url: string; spans: OtlpSpan[]; close(): Promise<void> }> {
  const spans: OtlpSpan[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (req.method === 'POST' && req.url === '/v1/traces' && String(req.headers['content-type']).startsWith('application/json')) {
        const body = JSON.parse(Buffer.concat(chunks).toString()) as { resourceSpans: any[] }; // eslint-disable-line @typescript-eslint/no-explicit-any -- OTLP's JSON
        for (const rs of body.resourceSpans) {
          const service = rs.resource.attributes.find((a: any) => a.key === 'service.name')?.value.stringValue; // eslint-disable-line @typescript-eslint/no-explicit-any
          for (const ss of rs.scopeSpans) {
            for (const s of ss.spans) {
              const attributes = Object.fromEntries(s.attributes.map((a: any) => [a.key, Object.values(a.value)[0]])); // eslint-disable-line @typescript-eslint/no-explicit-any
              spans.push({ service, traceId: s.traceId, spanId: s.spanId, parentSpanId: s.parentSpanId || undefined, name: s.name, attributes });
            }
          }
        }
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      } else {
        res.writeHead(415).end();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return { url: `http://127.0.0.1:${port}`, spans, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

interface Proc { child: ChildProcess; lines: Array<Record<string, unknown>>; raw: () => string }

function start(script: string, env: Record<string, string>): Proc {
  const child = spawn(process.execPath, [script], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: Array<Record<string, unknown>> = [];
  let raw = '';
  let partial = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    raw += chunk.toString();
    const parts = (partial + chunk.toString()).split('\n');
    partial = parts.pop()!;
    for (const line of parts) if (line.trim()) lines.push(JSON.parse(line) as Record<string, unknown>); // every line is JSON
  });
  child.stderr!.on('data', (chunk: Buffer) => (raw += chunk.toString()));
  return { child, lines, raw: () => raw };
}

async function stop(proc: Proc | undefined): Promise<void> {
  if (!proc || proc.child.exitCode !== null || proc.child.signalCode !== null) return;
  await new Promise<void>((resolve) => {
    const force = setTimeout(() => proc.child.kill('SIGKILL'), 10_000);
    proc.child.once('exit', () => (clearTimeout(force), resolve()));
    proc.child.kill('SIGTERM');
  });
}

/** The spans from `span` up to its root, by parent span ids. */
function ancestry(span: OtlpSpan, all: OtlpSpan[]): OtlpSpan[] {
  const byId = new Map(all.map((s) => [s.spanId, s]));
  const chain = [span];
  for (let next = span.parentSpanId && byId.get(span.parentSpanId); next; next = next.parentSpanId ? byId.get(next.parentSpanId) : undefined) chain.push(next);
  return chain;
}

describe('tracing and logs of a built api and worker', () => {
  let database: TestDatabase;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  let api: Proc | undefined;
  let worker: Proc | undefined;
  let base: string;
  const prefix = `t${randomUUID().slice(0, 8)}`;
  const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

  beforeAll(async () => {
    database = await createTestDatabase();
    receiver = await startReceiver();
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    const env = {
      DATABASE_URL: database.url, REDIS_URL: redisUrl, BATON_QUEUE_PREFIX: prefix, BATON_ADMIN_KEY: ADMIN_KEY,
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_BSP_SCHEDULE_DELAY: '200', LOG_LEVEL: 'debug', LOG_FORMAT: 'json',
    };
    worker = start(WORKER, { ...env, METRICS_PORT: '0' });
    api = start(API, { ...env, PORT: String(port), HOST: '127.0.0.1' });
    await waitFor(async () => (await fetch(`${base}/healthz`).catch(() => undefined))?.status === 200, 30_000, `the api did not start: ${api.raw()}`);
  });

  afterAll(async () => {
    await Promise.all([stop(api), stop(worker)]);
    await receiver?.close();
    const redis = createRedis(redisUrl, 'worker');
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
    await database?.drop();
  });

  it('exports one trace per run, from the request span to each step, and correlates every log line', async () => {
    const requestId = `e2e-${randomUUID()}`;
    const workflow = { name: 'traced', steps: [{ id: 'first', agent: 'echo', input: { n: 1 } }, { id: 'second', agent: 'echo', needs: ['first'], input: { n: 2 } }] };
    // the worker registers its agents as it starts: the api refuses a workflow naming unknown ones until then
    let submitted: Response | undefined;
    await waitFor(async () => {
      submitted = await fetch(`${base}/v1/runs`, {
        method: 'POST', headers: { 'content-type': 'application/json', 'x-api-key': ADMIN_KEY, 'x-request-id': requestId }, body: JSON.stringify({ workflow }),
      });
      return submitted.status === 202;
    }, 30_000, 'the run was not accepted');
    expect(submitted!.headers.get('x-request-id')).toBe(requestId);
    const { id } = (await submitted!.json()) as { id: string };
    await waitFor(async () => {
      const run = (await (await fetch(`${base}/v1/runs/${id}`, { headers: { 'x-api-key': ADMIN_KEY } })).json()) as { status: string };
      return run.status === 'succeeded';
    }, 30_000, 'the run did not succeed');

    // spans: exported in batches every 200 ms
    const stepsOf = () => receiver.spans.filter((s) => s.name === 'baton.step' && s.attributes['baton.run_id'] === id);
    // the submission that was accepted: those before the worker registered its agents were 400s
    const accepted = (s: OtlpSpan) => s.name === 'POST /v1/runs' && s.attributes['http.response.status_code'] === 202;
    await waitFor(() => stepsOf().length === 2 && receiver.spans.some(accepted), 15_000, 'the spans did not arrive');
    const request = receiver.spans.find(accepted)!;
    expect(request.service).toBe('baton-api');
    const trace = receiver.spans.filter((s) => s.traceId === request.traceId);
    const steps = stepsOf();
    expect(steps.map((s) => [s.service, s.traceId, s.attributes['baton.step_key'], s.attributes['baton.agent'], s.attributes['baton.attempt']]).sort()).toEqual([
      ['baton-worker', request.traceId, 'first', 'echo', 1],
      ['baton-worker', request.traceId, 'second', 'echo', 1],
    ]);
    for (const step of steps) expect(ancestry(step, trace).map((s) => s.spanId)).toContain(request.spanId);
    const names = new Set(trace.map((s) => `${s.service} ${s.name}`));
    for (const name of ['baton-api baton.admit', 'baton-api baton.enqueue', 'baton-worker baton.commit', 'baton-worker baton.enqueue']) expect(names).toContain(name);
    // Postgres and Redis calls inside the trace are instrumented too
    const postgres = (s: OtlpSpan) => s.attributes['db.system.name'] === 'postgresql' || s.attributes['db.system'] === 'postgresql';
    expect(trace.some((s) => s.service === 'baton-api' && postgres(s))).toBe(true);
    expect(trace.some((s) => s.service === 'baton-worker' && postgres(s))).toBe(true);

    // logs: the api's access line of the submission, and each of the worker's steps, carry the ids
    expect(api!.lines.find((l) => l.message === 'request' && l.route === '/v1/runs' && l.method === 'POST' && l.status === 202)).toMatchObject({ requestId, runId: id, traceId: request.traceId, status: 202 });
    const first = worker!.lines.find((l) => l.message === 'step finished' && l.stepKey === 'first');
    expect(first).toMatchObject({ requestId, runId: id, stepKey: 'first', attempt: 1, agent: 'echo', traceId: request.traceId, service: 'worker' });
    const second = worker!.lines.find((l) => l.message === 'step finished' && l.stepKey === 'second');
    expect(second).toMatchObject({ runId: id, stepKey: 'second', attempt: 1, agent: 'echo', traceId: request.traceId });
    // no line of either process shows the key
    expect(api!.raw() + worker!.raw()).not.toContain(ADMIN_KEY);
  });
});

describe('npm start (api and worker in one process) with OTEL_EXPORTER_OTLP_ENDPOINT', () => {
  it('exports the sample run as one trace, from its POST /v1/runs to each step, as baton-dev', async () => {
    const database = await createTestDatabase();
    const receiver = await startReceiver();
    const prefix = `t${randomUUID().slice(0, 8)}`;
    const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
    try {
      // BATON_DEV_EXIT=1: it runs the sample workflow to completion, then stops (flushing its spans).
      const child = spawn(process.execPath, [join(ROOT, 'apps/dev/dist/main.js')], {
        cwd: ROOT,
        env: {
          ...process.env, DATABASE_URL: database.url, REDIS_URL: redisUrl, BATON_QUEUE_PREFIX: prefix, PORT: String(await freePort()), HOST: '127.0.0.1',
          METRICS_PORT: '0', BATON_DEV_EXIT: '1', OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_SERVICE_NAME: '',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let output = '';
      child.stdout!.on('data', (c: Buffer) => (output += c.toString()));
      child.stderr!.on('data', (c: Buffer) => (output += c.toString()));
      const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
      expect({ code, output }).toMatchObject({ code: 0, output: expect.stringMatching(/Run \S+ succeeded/) });

      const runId = /Run (\S+) succeeded/.exec(output)![1];
      const steps = receiver.spans.filter((s) => s.name === 'baton.step' && s.attributes['baton.run_id'] === runId);
      expect(steps.length).toBeGreaterThanOrEqual(2);
      expect(new Set(steps.map((s) => s.traceId)).size).toBe(1);
      expect(new Set(steps.map((s) => s.service))).toEqual(new Set(['baton-dev']));
      for (const step of steps) expect(ancestry(step, receiver.spans).map((s) => s.name)).toContain('POST /v1/runs');
    } finally {
      await receiver.close();
      const redis = createRedis(redisUrl, 'worker');
      const keys = await redis.keys(`${prefix}:*`);
      if (keys.length > 0) await redis.del(...keys);
      redis.disconnect();
      await database.drop();
    }
  });
});
