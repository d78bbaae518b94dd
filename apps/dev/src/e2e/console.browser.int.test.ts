// The web console in a real browser (Chromium through playwright-core) against a running api and
// worker: log in with a key, submit a fan-out workflow and watch its steps turn green, read a failed
// step's error, cancel a run, select a step with the keyboard, start a template's run from its
// input form and read a diff of its versions. Screenshots are saved under artifacts/.
import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { BatonHarness } from '../testing/baton-harness';

jest.setTimeout(120_000);

// The browser's globals, used inside page.evaluate callbacks (this Node program has no DOM types).
declare const document: { activeElement: { getAttribute(name: string): string | null } | null; cookie: string };
declare const sessionStorage: { getItem(key: string): string | null };
declare const localStorage: { length: number };
declare function getComputedStyle(element: unknown): { borderTopColor: string; outlineStyle: string };

const ARTIFACTS = resolve(__dirname, '../../../../artifacts');
const ADMIN_KEY = randomBytes(24).toString('base64url');
const asAdmin = { 'X-API-Key': ADMIN_KEY };

let baton: BatonHarness;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  baton = await BatonHarness.start({ env: { BATON_ADMIN_KEY: ADMIN_KEY, BATON_KEY_PEPPER: randomBytes(32).toString('base64url') } });
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });
  page = await (await browser.newContext({ viewport: { width: 1440, height: 900 } })).newPage();
  mkdirSync(ARTIFACTS, { recursive: true });
});

afterAll(async () => {
  await browser?.close();
  await baton?.close();
});

async function submit(workflow: unknown, input: unknown = {}): Promise<string> {
  const res = await baton.request('POST', '/v1/runs', { workflow, input }, asAdmin);
  expect(res.status).toBe(202);
  return res.body.id;
}

async function runOf(id: string) {
  const res = await baton.request('GET', `/v1/runs/${id}`, undefined, asAdmin);
  expect(res.status).toBe(200);
  return res.body;
}

async function finished(id: string) {
  for (const deadline = Date.now() + 20_000; Date.now() < deadline; await new Promise((r) => setTimeout(r, 100))) {
    const run = await runOf(id);
    if (['succeeded', 'failed', 'cancelled'].includes(run.status)) return run;
  }
  throw new Error(`run ${id} did not finish`);
}

const node = (key: string) => page.locator(`.node[data-key="${key}"]`);

it('serves the console without credentials: the app for its own routes, 404 for a missing asset, a strict CSP', async () => {
  for (const path of ['/console', '/console/', '/console/runs/some-run', '/console/templates/nightly']) {
    const res = await fetch(baton.url + path);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    expect(res.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(await res.text()).toContain('<div id="root">');
  }
  const missing = await fetch(`${baton.url}/console/assets/nothing-here.js`);
  expect(missing.status).toBe(404);
  expect(await missing.json()).toMatchObject({ error: { code: 'NOT_FOUND' } });
  // The data stays behind the key.
  expect((await fetch(`${baton.url}/v1/runs`)).status).toBe(401);
});

it('refuses a wrong key, then logs in with the right one and keeps it in sessionStorage only', async () => {
  await page.goto(`${baton.url}/console/`);
  await page.getByLabel('API key').fill('not-a-key-at-all');
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.getByRole('alert').filter({ hasText: 'That key was refused' }).waitFor();
  await page.getByLabel('API key').fill(ADMIN_KEY);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.getByRole('heading', { name: 'Runs' }).waitFor();
  expect(await page.evaluate(() => [sessionStorage.getItem('baton.apiKey'), localStorage.length, document.cookie])).toEqual([ADMIN_KEY, 0, '']);
  expect(page.url()).not.toContain(ADMIN_KEY);
});

it('submits a fan-out workflow and shows each item and the gathering step turn green, with attempts and durations', async () => {
  await page.getByRole('button', { name: 'New run' }).click();
  await page.getByLabel('Workflow (YAML or JSON)').fill([
    'name: console-fan-out',
    'steps:',
    '  - id: fetch',
    '    agent: delay',
    '    input: { ms: 2000, value: [1, 2, 3] }',
    '  - id: square',
    '    agent: delay',
    '    needs: [fetch]',
    '    forEach: "{{ $steps.fetch.output }}"',
    '    input: { ms: 3000, value: "{{ $item * $item }}" }',
    '  - id: total',
    '    agent: transform',
    '    needs: [square]',
    '    input: { expression: "$sum($)", data: "{{ $steps.square.output }}" }',
  ].join('\n'));
  await page.getByLabel('Input (JSON)').fill('{}');
  await page.getByRole('button', { name: 'Submit run' }).click();
  await page.waitForURL(/\/console\/runs\/[0-9a-f-]{36}$/);
  const runId = page.url().split('/').at(-1)!;

  // Live: the page shows a step running before the run ends (the stream, not a reload).
  await page.locator('.node[data-status="running"]').first().waitFor({ timeout: 20_000 });
  for (const key of ['fetch', 'square', 'square[0]', 'square[1]', 'square[2]', 'total']) {
    await page.locator(`.node[data-key="${key}"][data-status="succeeded"]`).waitFor({ timeout: 30_000 });
  }
  // Green, and said in words and an icon too.
  const total = node('total');
  expect(await total.evaluate((el) => getComputedStyle(el).borderTopColor)).toBe('rgb(30, 142, 62)');
  expect(await total.textContent()).toMatch(/✓\s*total.*succeeded/);
  expect(await total.getAttribute('aria-label')).toMatch(/^total: succeeded, transform, 1 attempt, \d/);
  expect(await page.locator('.badge').first().textContent()).toContain('succeeded');
  expect((await baton.request('GET', `/v1/runs/${runId}`, undefined, asAdmin)).body.output).toEqual({ total: 14 });

  await total.click();
  const panel = page.getByLabel('Selected step');
  await panel.getByText('"expression": "$sum($)"').waitFor();
  await panel.getByText('step.succeeded').waitFor();
  await page.screenshot({ path: join(ARTIFACTS, 'console-run.png'), fullPage: true });
});

it("opens a failed step's error, with each attempt's", async () => {
  const id = await submit({
    name: 'console-failing',
    steps: [
      { id: 'prepare', agent: 'echo', input: { ok: true } },
      { id: 'charge', agent: 'fail', needs: ['prepare'], input: { message: 'card declined' }, retry: { attempts: 2 } },
      { id: 'receipt', agent: 'echo', needs: ['charge'] },
    ],
  });
  await finished(id);
  await page.goto(`${baton.url}/console/runs/${id}`);
  await page.locator('.node[data-key="charge"][data-status="failed"]').click();
  const error = page.getByTestId('step-error');
  await error.waitFor();
  expect(await error.textContent()).toContain('card declined');
  expect(await page.getByLabel('Selected step').locator('table tbody tr').count()).toBe(2);
  expect(await node('receipt').getAttribute('data-status')).toBe('skipped');
  await page.getByRole('button', { name: 'Retry failed steps' }).waitFor();
});

it('cancels a running run from its page', async () => {
  const id = await submit({ name: 'console-long', steps: [{ id: 'sleep', agent: 'delay', input: { ms: 60_000 } }, { id: 'after', agent: 'echo', needs: ['sleep'] }] });
  await page.goto(`${baton.url}/console/runs/${id}`);
  await page.locator('.node[data-key="sleep"][data-status="running"]').waitFor({ timeout: 20_000 });
  await page.getByRole('button', { name: 'Cancel run' }).click();
  await page.locator('.node[data-key="sleep"][data-status="cancelled"]').waitFor({ timeout: 20_000 });
  await page.locator('.facts .badge', { hasText: 'cancelled' }).waitFor();
  expect((await runOf(id)).status).toBe('cancelled');
  expect(await page.getByRole('button', { name: 'Cancel run' }).count()).toBe(0);
});

it('reaches a step with the keyboard alone, shows where focus is, and selects it with Enter', async () => {
  const id = await submit({ name: 'console-keys', steps: [{ id: 'first', agent: 'echo' }, { id: 'second', agent: 'echo', needs: ['first'] }] });
  await finished(id);
  await page.goto(`${baton.url}/console/runs/${id}`);
  await node('second').waitFor();
  let focused: string | null = null;
  for (let i = 0; i < 40 && focused !== 'first'; i++) {
    await page.keyboard.press('Tab');
    focused = await page.evaluate(() => document.activeElement?.getAttribute('data-key') ?? null);
  }
  expect(focused).toBe('first');
  await page.keyboard.press('ArrowRight');
  expect(await page.evaluate(() => document.activeElement?.getAttribute('data-key'))).toBe('second');
  // A visible focus ring, not the browser's default being removed.
  expect(await node('second').evaluate((el) => getComputedStyle(el).outlineStyle)).toBe('solid');
  await page.keyboard.press('Enter');
  expect(await node('second').getAttribute('aria-pressed')).toBe('true');
  await page.getByLabel('Selected step').getByRole('heading', { name: 'second' }).waitFor();
});

it('lists runs filtered by status, a page at a time', async () => {
  await page.goto(`${baton.url}/console/?status=failed`);
  await page.locator('tbody tr').first().waitFor();
  const rows = page.locator('tbody tr');
  expect(await rows.count()).toBe(1);
  expect(await rows.first().textContent()).toContain('console-failing');
  await page.getByLabel('Filter by status').selectOption('');
  await page.locator('tbody tr', { hasText: 'console-keys' }).waitFor();
  expect(await rows.count()).toBe(4);

  // Pages of 3 with the api's cursors: 4 runs make two pages, nothing lost or repeated.
  await page.goto(`${baton.url}/console/?limit=3`);
  await page.locator('tbody tr', { hasText: 'console-keys' }).waitFor();
  const firstPage = await rows.allTextContents();
  expect(firstPage).toHaveLength(3);
  await page.getByRole('button', { name: 'Next' }).click();
  await page.getByText('page 2').waitFor();
  await page.locator('tbody tr', { hasText: 'console-fan-out' }).waitFor();
  expect(await rows.count()).toBe(1);
  expect(await page.getByRole('button', { name: 'Next' }).isDisabled()).toBe(true);
  await page.getByRole('button', { name: 'Previous' }).click();
  await page.locator('tbody tr', { hasText: 'console-keys' }).waitFor();
  expect(await rows.allTextContents()).toEqual(firstPage);
});

it("starts a template's run from the form of its input schema, and shows what changed between versions", async () => {
  const v1 = { name: 'greeting', input: { type: 'object', required: ['who'], properties: { who: { type: 'string' }, times: { type: 'integer', default: 1 }, loud: { type: 'boolean' } } },
    steps: [{ id: 'greet', agent: 'echo', input: { text: 'hi {{ $input.who }}', times: '{{ $input.times }}', loud: '{{ $input.loud }}' } }] };
  expect((await baton.request('PUT', '/v1/templates/greeting', v1, asAdmin)).status).toBe(201);
  const v2 = { ...v1, description: 'Says hello', steps: [{ ...v1.steps[0]!, input: { ...v1.steps[0]!.input, text: 'hello {{ $input.who }}' } }] };
  expect((await baton.request('PUT', '/v1/templates/greeting', v2, asAdmin)).status).toBe(201);

  await page.goto(`${baton.url}/console/templates`);
  await page.getByRole('link', { name: 'greeting' }).click();
  await page.getByRole('heading', { name: 'Start a run of v2' }).waitFor();
  await page.locator('.change-changed', { hasText: 'steps[0].input.text' }).waitFor();
  await page.locator('.change-added', { hasText: 'description' }).waitFor();
  await page.getByLabel('who').fill('Ada');
  await page.getByLabel('times').fill('3');
  await page.getByLabel('loud').check();
  await page.getByRole('button', { name: 'Start run' }).click();
  await page.waitForURL(/\/console\/runs\/[0-9a-f-]{36}$/);
  await page.locator('.node[data-key="greet"][data-status="succeeded"]').waitFor({ timeout: 20_000 });
  const run = await runOf(page.url().split('/').at(-1)!);
  expect(run).toMatchObject({ template: 'greeting', version: 2, input: { who: 'Ada', times: 3, loud: true } });
});

it('shows the agents with their live workers and their p95', async () => {
  await page.goto(`${baton.url}/console/agents`);
  const echo = page.locator('tbody tr', { hasText: 'Returns its input.' }).filter({ has: page.getByText('echo', { exact: true }) });
  await echo.waitFor();
  expect(await echo.textContent()).toContain('online');
  await page.getByRole('link', { name: 'Queues ↗' }).waitFor();
});

it('shows every run, the template\'s among them, and saves a screenshot of the runs page', async () => {
  await page.goto(`${baton.url}/console/`);
  await page.locator('tbody tr', { hasText: 'greeting' }).waitFor();
  expect(await page.locator('tbody tr').count()).toBe(5);
  await page.screenshot({ path: join(ARTIFACTS, 'console-runs.png'), fullPage: true });
});

it('lets a browser in without a key when the api runs open', async () => {
  const open = await BatonHarness.start({ workers: 0 });
  try {
    const context = await browser.newContext();
    const anonymous = await context.newPage();
    await anonymous.goto(`${open.url}/console/agents`);
    await anonymous.getByRole('heading', { name: 'Agents' }).waitFor();
    expect(await anonymous.getByText('open api').count()).toBe(1);
    expect(await anonymous.getByRole('button', { name: 'Log out' }).count()).toBe(0);
    await context.close();
  } finally {
    await open.close();
  }
});
