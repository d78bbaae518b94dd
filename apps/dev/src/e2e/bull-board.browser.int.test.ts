// Bull Board in a real browser (Chromium through playwright-core) against a running api and worker:
// an operator's stored API key as the password of HTTP Basic auth shows the agent queues of a
// finished run; anonymous, viewer, operator and admin get what API.md says. A screenshot of the
// board is saved under artifacts/ at the repository root.
import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { BatonHarness } from '../testing/baton-harness';

jest.setTimeout(90_000);

const ARTIFACTS = resolve(__dirname, '../../../../artifacts');
const ADMIN_KEY = randomBytes(24).toString('base64url');

let baton: BatonHarness;
let browser: Browser | undefined;
const keys: Record<'operator' | 'viewer', string> = { operator: '', viewer: '' };
let runId: string;

const basic = (key: string) => ({ Authorization: `Basic ${Buffer.from(`someone:${key}`).toString('base64')}` });
const asAdmin = { 'X-API-Key': ADMIN_KEY };

beforeAll(async () => {
  baton = await BatonHarness.start({ env: { BATON_ADMIN_KEY: ADMIN_KEY, BATON_KEY_PEPPER: randomBytes(32).toString('base64url') } });
  for (const role of ['operator', 'viewer'] as const) {
    const created = await baton.request('POST', '/v1/api-keys', { name: `board ${role}`, role }, asAdmin);
    expect(created.status).toBe(201);
    keys[role] = created.body.key;
  }
  const workflow = {
    name: 'board',
    steps: [
      { id: 'greet', agent: 'echo', input: { text: 'hello board' } },
      { id: 'shout', agent: 'transform', needs: ['greet'], input: { expression: '$uppercase(text)', data: '{{ $steps.greet.output }}' } },
    ],
  };
  const submitted = await baton.request('POST', '/v1/runs', { workflow }, asAdmin);
  expect(submitted.status).toBe(202);
  runId = submitted.body.id;
  const deadline = Date.now() + 20_000;
  let status = '';
  while (Date.now() < deadline && status !== 'succeeded') {
    status = (await baton.request('GET', `/v1/runs/${runId}`, undefined, asAdmin)).body?.status;
    if (status !== 'succeeded') await new Promise((r) => setTimeout(r, 100));
  }
  expect(status).toBe('succeeded');
});

afterAll(async () => {
  await browser?.close();
  await baton?.close();
});

async function call(method: string, path: string, headers: Record<string, string> = {}) {
  const res = await fetch(baton.url + path, { method, headers });
  return { status: res.status, headers: res.headers, body: await res.text() };
}

it('answers anonymous 401 (a Basic challenge), a viewer 403, an operator 200 but 403 for a change, an admin everything', async () => {
  const anonymous = await call('GET', '/admin/queues');
  expect(anonymous.status).toBe(401);
  expect(anonymous.headers.get('www-authenticate')).toBe('Basic realm="baton"');
  expect(JSON.parse(anonymous.body)).toMatchObject({ error: { code: 'UNAUTHENTICATED' } });

  expect((await call('GET', '/admin/queues', basic(keys.viewer))).status).toBe(403);
  expect((await call('GET', '/admin/queues/api/queues', basic(keys.viewer))).status).toBe(403);

  expect((await call('GET', '/admin/queues', basic(keys.operator))).status).toBe(200);
  for (const [method, path] of [['PUT', '/admin/queues/api/queues/agent.echo/clean/completed'], ['PUT', '/admin/queues/api/queues/agent.echo/retry/failed']]) {
    const refused = await call(method!, path!, basic(keys.operator));
    expect(refused.status).toBe(403);
    expect(JSON.parse(refused.body)).toMatchObject({ error: { code: 'FORBIDDEN' } });
  }
  const completed = JSON.parse((await call('GET', '/admin/queues/api/queues?activeQueue=agent.echo&status=completed', basic(keys.operator))).body);
  expect(completed.queues.find((q: { name: string }) => q.name === 'agent.echo').counts.completed).toBe(1);

  // The admin key works as the Basic password too; a change goes through.
  expect((await call('PUT', '/admin/queues/api/queues/agent.echo/pause', basic(ADMIN_KEY))).status).toBe(200);
  expect((await call('PUT', '/admin/queues/api/queues/agent.echo/resume', basic(ADMIN_KEY))).status).toBe(200);
});

it("shows an operator, logged in with HTTP Basic in a browser, the finished run's agent queues and its completed job", async () => {
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });
  const context = await browser.newContext({ httpCredentials: { username: 'operator', password: keys.operator }, viewport: { width: 1400, height: 900 } });
  const page = await context.newPage();

  const overview = await page.goto(`${baton.url}/admin/queues`, { waitUntil: 'domcontentloaded' });
  expect(overview?.status()).toBe(200);
  for (const name of ['agent.echo', 'agent.transform']) await page.getByText(name, { exact: true }).first().waitFor({ timeout: 20_000 });

  await page.goto(`${baton.url}/admin/queues/queue/agent.echo?status=completed`, { waitUntil: 'domcontentloaded' });
  // The completed step job: its name is the step key, its data names the run.
  await page.getByText('greet', { exact: true }).first().waitFor({ timeout: 20_000 });
  await page.getByText(runId).first().waitFor({ timeout: 20_000 });
  mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: join(ARTIFACTS, 'bull-board.png'), fullPage: true });
  await context.close();
});
