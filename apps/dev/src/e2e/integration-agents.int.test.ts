import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BatonHarness } from '../testing/baton-harness';

// The http and files agents in a worker configured through its environment (WORKER_AGENTS,
// BATON_HTTP_ALLOW, BATON_FILES_ROOT), in a workflow submitted over HTTP.

jest.setTimeout(60_000);

let server: Server;
let port: number;
let root: string;
let baton: BatonHarness;
const seen: IncomingHttpHeaders[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    seen.push(req.headers);
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ greeting: 'hello', n: 2 }));
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  port = (server.address() as AddressInfo).port;
  root = mkdtempSync(join(tmpdir(), 'baton-files-e2e-'));
  baton = await BatonHarness.start({ env: { WORKER_AGENTS: 'echo,http,files', BATON_HTTP_ALLOW: '127.0.0.1', BATON_FILES_ROOT: root } });
});
afterAll(async () => {
  await baton?.close();
  server.closeAllConnections();
  await new Promise((done) => server.close(done));
  rmSync(root, { recursive: true, force: true });
});

test('a run fetches JSON over http, writes it with files and reads it back', async () => {
  const id = await baton.submit({
    name: 'fetch-and-save',
    steps: [
      { id: 'fetch', agent: 'http', input: { url: `http://127.0.0.1:${port}/greeting` } },
      { id: 'save', agent: 'files', needs: ['fetch'], input: { op: 'write', path: 'out/{{ $input.name }}.json', content: '{{ $string($steps.fetch.output.body) }}' } },
      { id: 'load', agent: 'files', needs: ['save'], input: { op: 'read', path: 'out/{{ $input.name }}.json' } },
    ],
  }, { name: 'greeting' });
  const run = await baton.waitFor(id, { timeoutMs: 20_000 });
  expect([run.status, run.error]).toEqual(['succeeded', undefined]);
  expect(run.steps.find((s) => s.id === 'fetch')?.output).toMatchObject({ status: 200, body: { greeting: 'hello', n: 2 } });
  expect(seen.at(-1)?.['idempotency-key']).toBe(`${id}:fetch`);
  expect(JSON.parse(readFileSync(join(root, 'out/greeting.json'), 'utf8'))).toEqual({ greeting: 'hello', n: 2 });
  expect(run.steps.find((s) => s.id === 'load')?.output).toMatchObject({ path: 'out/greeting.json', content: '{"greeting":"hello","n":2}' });
});

test('the guards fail their steps at the first attempt, whatever the retry policy', async () => {
  const id = await baton.submit({
    name: 'guarded',
    steps: [
      { id: 'metadata', agent: 'http', input: { url: 'http://169.254.169.254/latest/meta-data/' }, retry: { attempts: 3 } },
      { id: 'escape', agent: 'files', input: { op: 'read', path: '../../etc/passwd' }, retry: { attempts: 3 } },
    ],
  });
  const run = await baton.waitFor(id, { timeoutMs: 20_000 });
  expect(run.status).toBe('failed');
  expect(run.steps.find((s) => s.id === 'metadata')).toMatchObject({ status: 'failed', attempts: 1, error: { code: 'HTTP_ADDRESS_REFUSED' } });
  expect(run.steps.find((s) => s.id === 'escape')).toMatchObject({ status: 'failed', attempts: 1, error: { code: 'FILES_PATH_REFUSED' } });
});
