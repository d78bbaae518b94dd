// Live progress and history through HTTP: SSE replayed from the middle and followed live to the
// end across two api instances, history pages, another tenant's run, one Redis subscriber per api
// process, and a client that stops reading dropped while a normal one gets everything.
import net from 'node:net';
import { loadConfig, startApi, type RunningApi } from '@baton/app-api';
import { createLogger } from '@baton/telemetry';
import { BatonHarness } from '../testing/baton-harness';

const ADMIN = 'admin-key-for-the-run-events-test';
const auth = { authorization: `Bearer ${ADMIN}` };

interface Frame {
  event: string;
  id: number;
  data: { seq: number; type: string; key?: string };
}

/** Reads a whole SSE response (it must end by itself) into its frames and comments. */
async function readStream(url: string, headers: Record<string, string> = {}): Promise<{ status: number; type: string | null; frames: Frame[]; comments: number }> {
  const res = await fetch(url, { headers: { ...auth, accept: 'text/event-stream', ...headers }, signal: AbortSignal.timeout(20_000) });
  const text = await res.text();
  const frames: Frame[] = [];
  let comments = 0;
  for (const block of text.split('\n\n').filter((b) => b.length > 0)) {
    if (block.startsWith(':')) {
      comments++;
      continue;
    }
    const fields = Object.fromEntries(block.split('\n').map((line) => [line.slice(0, line.indexOf(':')), line.slice(line.indexOf(':') + 2)]));
    frames.push({ event: fields.event!, id: Number(fields.id), data: JSON.parse(fields.data!) });
  }
  return { status: res.status, type: res.headers.get('content-type'), frames, comments };
}

jest.setTimeout(30_000);

describe('run events (SSE and history)', () => {
  let baton: BatonHarness;
  let second: RunningApi;
  const other = () => `http://127.0.0.1:${second.port}`;
  const request = (base: string, path: string, headers: Record<string, string> = auth): Promise<{ status: number; body: any }> => // eslint-disable-line @typescript-eslint/no-explicit-any -- tests read answers freely
    fetch(`${base}${path}`, { headers }).then(async (r) => ({ status: r.status, body: await r.json() }));

  beforeAll(async () => {
    baton = await BatonHarness.start({
      env: { BATON_ADMIN_KEY: ADMIN, BATON_KEY_PEPPER: 'pepper-for-the-run-events-test-0123456789', BATON_SSE_HEARTBEAT_MS: '200', BATON_SSE_MAX_BUFFER_BYTES: String(64 * 1024 * 1024) },
    });
    second = await startApi(loadConfig(baton.env), createLogger({ level: 'error', service: 'api-2', silent: true }));
  });
  afterAll(async () => {
    await second?.close();
    await baton?.close();
  });

  const submit = async (workflow: unknown, input: unknown = {}) => {
    const res = await baton.request('POST', '/v1/runs', { workflow, input }, auth);
    if (res.status !== 202) throw new Error(`submit answered ${res.status}: ${JSON.stringify(res.body)}`);
    return res.body.id as string;
  };
  /** Polls the run (with credentials) until it is final. */
  const finished = async (id: string) => {
    for (let i = 0; i < 400; i++) {
      const run = await baton.request('GET', `/v1/runs/${id}`, undefined, auth);
      if (['succeeded', 'failed', 'cancelled'].includes(run.body.status)) return run.body;
      await new Promise((r) => setTimeout(r, 25));
    }
    throw new Error(`run ${id} did not finish`);
  };
  const history = async (base: string, id: string) => (await request(base, `/v1/runs/${id}/history?limit=1000`)).body.items as Array<{ seq: number; type: string; key?: string }>;

  it('replays from the middle (Last-Event-ID) and follows live to the end on another api than the one submitted to', async () => {
    const id = await submit({
      name: 'live', steps: [
        { id: 'a', agent: 'echo', input: { n: 1 } },
        { id: 'slow', agent: 'delay', needs: ['a'], input: { ms: 1500 } },
        { id: 'c', agent: 'echo', needs: ['slow'], input: { n: 2 } },
      ],
    });
    // Until the slow step runs: what follows happens while the stream is open.
    for (let i = 0; i < 200 && !(await history(other(), id)).some((e) => e.type === 'step.started' && e.key === 'slow'); i++) await new Promise((r) => setTimeout(r, 25));
    const before = await history(other(), id);
    const resumeAt = before[Math.floor(before.length / 2)]!.seq;
    const connectedAt = Date.now();
    const stream = await readStream(`${other()}/v1/runs/${id}/events`, { 'last-event-id': String(resumeAt) });
    expect(stream.status).toBe(200);
    expect(stream.type).toMatch(/^text\/event-stream/);
    const seqs = stream.frames.map((f) => f.id);
    expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, i) => resumeAt + 1 + i));
    expect(stream.frames.at(-1)!.event).toBe('run.succeeded');
    expect(stream.frames.every((f) => f.event === f.data.type && f.id === f.data.seq)).toBe(true);
    // Part of it came live: the events after the slow step were committed after the stream opened.
    expect(stream.frames.map((f) => `${f.event} ${f.data.key ?? ''}`.trim())).toEqual(expect.arrayContaining(['step.succeeded slow', 'step.started c', 'run.succeeded']));
    expect(Date.now() - connectedAt).toBeGreaterThan(200);
    expect(stream.comments).toBeGreaterThan(0); // heartbeats while the slow step ran
    // The same events as the history, on either api.
    expect(stream.frames.map((f) => f.data)).toEqual((await request(baton.url, `/v1/runs/${id}/history?after=${resumeAt}`)).body.items);
  });

  it('?after= replays a finished run and ends; resuming at its last event ends at once', async () => {
    const id = await submit({ name: 'done', steps: [{ id: 'a', agent: 'echo', input: { n: 1 } }] });
    await finished(id);
    const all = await history(baton.url, id);
    const tail = await readStream(`${baton.url}/v1/runs/${id}/events?after=1`);
    expect(tail.frames.map((f) => f.id)).toEqual(all.slice(1).map((e) => e.seq));
    const none = await readStream(`${other()}/v1/runs/${id}/events?after=${all.at(-1)!.seq}`);
    expect(none).toMatchObject({ status: 200, frames: [] });
  });

  it('history pages with nextCursor and refuses bad parameters', async () => {
    const id = await submit({ name: 'pages', steps: [{ id: 'a', agent: 'echo' }, { id: 'b', agent: 'echo', needs: ['a'] }] });
    await finished(id);
    const all = await history(baton.url, id);
    expect(all.map((e) => e.seq)).toEqual(Array.from({ length: all.length }, (_, i) => i + 1));
    const seen: number[] = [];
    let after = 0;
    for (;;) {
      const page = await request(other(), `/v1/runs/${id}/history?limit=2&after=${after}`);
      expect(page.status).toBe(200);
      seen.push(...page.body.items.map((e: { seq: number }) => e.seq));
      if (page.body.nextCursor === undefined) break;
      after = page.body.nextCursor;
    }
    expect(seen).toEqual(all.map((e) => e.seq));
    for (const query of ['limit=1001', 'limit=0', 'after=-1', 'after=x', 'page=2']) {
      const bad = await request(baton.url, `/v1/runs/${id}/history?${query}`);
      expect(bad).toMatchObject({ status: 400, body: { error: { code: 'VALIDATION_FAILED' } } });
    }
    expect(await request(baton.url, `/v1/runs/${id}/events?after=x`)).toMatchObject({ status: 400 });
  });

  it('another tenant\'s run is a 404 for both; a viewer of the tenant reads them', async () => {
    const id = await submit({ name: 'mine', steps: [{ id: 'a', agent: 'echo' }] });
    await finished(id);
    const key = async (tenant: string) => (await (await fetch(`${baton.url}/v1/api-keys`, {
      method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify({ name: `viewer-${tenant}`, role: 'viewer', tenant }),
    })).json() as { key: string }).key;
    const stranger = { authorization: `Bearer ${await key('other')}` };
    for (const path of [`/v1/runs/${id}/history`, `/v1/runs/${id}/events`]) {
      expect(await request(other(), path, stranger)).toMatchObject({ status: 404, body: { error: { code: 'RUN_NOT_FOUND' } } });
    }
    const viewer = { authorization: `Bearer ${await key('default')}` };
    expect((await request(other(), `/v1/runs/${id}/history`, viewer)).status).toBe(200);
    const links = (await baton.request('POST', '/v1/runs', { workflow: { name: 'l', steps: [{ id: 'a', agent: 'echo' }] } }, auth)).body.links;
    expect(links.events).toMatch(/^\/v1\/runs\/[0-9a-f-]{36}\/events$/);
  });

  it('each api process holds ONE subscription, whatever its number of streams; a client that stops reading is dropped while one that reads gets everything', async () => {
    // 60 steps that fail with 250 KB messages: about 15 MB of events, well beyond what the kernel buffers for a client that reads nothing (loopback autotuning reaches several MB).
    const big = 'x'.repeat(250_000);
    const steps = [{ id: 'gate', agent: 'delay', input: { ms: 1000 } },
      ...Array.from({ length: 60 }, (_, i) => ({ id: `f${i}`, agent: 'fail', needs: ['gate'], input: { message: '{{ $input.big }}' } }))];
    const id = await submit({ name: 'flood', steps }, { big });

    const stalled = net.connect(second.port, '127.0.0.1');
    await new Promise<void>((resolve) => stalled.once('connect', () => resolve()));
    stalled.write(`GET /v1/runs/${id}/events HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${ADMIN}\r\n\r\n`);
    stalled.pause();
    const reader = readStream(`${other()}/v1/runs/${id}/events`);
    await new Promise((r) => setTimeout(r, 300));
    const numsub = (await baton.redis.pubsub('NUMSUB', `${baton.prefix}:run-events`)) as [string, number];
    expect(Number(numsub[1])).toBe(2); // two api processes, three streams

    const full = await reader;
    expect(full.frames.at(-1)!.event).toBe('run.failed');
    expect(full.frames.map((f) => f.id)).toEqual(Array.from({ length: full.frames.length }, (_, i) => i + 1));

    // The stalled client was cut: reading now, its stream ends without the run's last event.
    stalled.resume();
    let received = '';
    stalled.setEncoding('utf8');
    stalled.on('data', (chunk: string) => (received += chunk));
    await new Promise<void>((resolve) => {
      stalled.once('close', () => resolve());
      stalled.on('error', () => undefined);
    });
    expect(received.startsWith('HTTP/1.1 200')).toBe(true);
    expect(received).not.toContain('event: run.failed');
  }, 60_000);
});
