// Operators' controls in the web console, in a real browser (Chromium through playwright-core)
// against a running api and worker: pause and resume a run with a step in flight, re-run from a
// middle step with an edited input, fork and follow the link both ways, pause and resume a template
// and an agent (by hand and by the auto-pause), a bulk cancel from the runs page's filter with its
// progress reaching done, and a viewer's key refused clearly. Screenshots are saved under artifacts/.
import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { BatonHarness } from '../testing/baton-harness';
import { waitFor } from '../testing/ephemeral-services';

jest.setTimeout(120_000);

const ARTIFACTS = resolve(__dirname, '../../../../artifacts');
const ADMIN_KEY = randomBytes(24).toString('base64url');
const asAdmin = { 'X-API-Key': ADMIN_KEY };
const FINAL = ['succeeded', 'failed', 'cancelled'];

type Answer = { status: number; body: any }; // eslint-disable-line @typescript-eslint/no-explicit-any -- tests read answers freely

let baton: BatonHarness;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  baton = await BatonHarness.start({
    reconcileEveryMs: 300,
    env: { BATON_ADMIN_KEY: ADMIN_KEY, BATON_KEY_PEPPER: randomBytes(32).toString('base64url'), BATON_AUTO_PAUSE: 'failureRate=0.5,window=60s,minSteps=3' },
  });
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });
  page = await (await browser.newContext({ viewport: { width: 1440, height: 900 } })).newPage();
  mkdirSync(ARTIFACTS, { recursive: true });
  await logIn(page, ADMIN_KEY);
});

afterAll(async () => {
  await browser?.close();
  await baton?.close();
});

const call = (method: string, path: string, body?: unknown): Promise<Answer> => baton.request(method, path, body, asAdmin);

async function logIn(tab: Page, key: string): Promise<void> {
  await tab.goto(`${baton.url}/console/`);
  await tab.getByLabel('API key').fill(key);
  await tab.getByRole('button', { name: 'Log in' }).click();
  await tab.getByRole('heading', { name: 'Runs' }).waitFor();
}

async function submit(workflow: unknown, input: unknown = {}): Promise<string> {
  const res = await call('POST', '/v1/runs', { workflow, input });
  expect(res.status).toBe(202);
  return res.body.id;
}

async function until(id: string, check: (run: any) => boolean, what: string) { // eslint-disable-line @typescript-eslint/no-explicit-any -- as above
  let run: unknown;
  await waitFor(async () => check((run = (await call('GET', `/v1/runs/${id}`)).body)), 30_000, `run ${id}: ${what}; it is ${JSON.stringify(run)}`);
  return run as any; // eslint-disable-line @typescript-eslint/no-explicit-any -- as above
}
const finished = (id: string) => until(id, (r) => FINAL.includes(r.status), 'not finished');

const node = (key: string, status?: string) => page.locator(`.node[data-key="${key}"]${status ? `[data-status="${status}"]` : ''}`);
const panel = () => page.getByLabel('Selected step');

const pipeline = {
  name: 'console-pipeline',
  steps: [
    { id: 'fetch', agent: 'echo', input: { v: '{{ $input.v }}' } },
    { id: 'shape', agent: 'echo', needs: ['fetch'], input: { shaped: '{{ $steps.fetch.output.v }}' } },
    { id: 'store', agent: 'echo', needs: ['shape'], input: { stored: '{{ $steps.shape.output.shaped }}' } },
  ],
};

it('pauses a run with a step in flight, says who paused it and since when, and resumes it where it stopped', async () => {
  const id = await submit({
    name: 'console-pausable',
    steps: [
      { id: 'slow', agent: 'delay', input: { ms: 8000, value: 'slow-done' } },
      { id: 'after', agent: 'echo', needs: ['slow'], input: { got: '{{ $steps.slow.output }}' } },
    ],
  });
  await page.goto(`${baton.url}/console/runs/${id}`);
  await node('slow', 'running').waitFor({ timeout: 20_000 });
  expect(await page.getByRole('button', { name: 'Resume run' }).count()).toBe(0);
  await page.getByRole('button', { name: 'Pause run' }).click();

  const notice = page.getByTestId('paused-notice');
  await notice.waitFor();
  expect(await notice.textContent()).toMatch(/Paused by admin-key since .+\d/);
  await page.locator('.facts .badge', { hasText: 'paused' }).waitFor();
  // The step in flight finishes and is recorded; the next one is held.
  await node('slow', 'succeeded').waitFor({ timeout: 20_000 });
  await new Promise((r) => setTimeout(r, 1000));
  expect(await node('after').getAttribute('data-status')).not.toBe('succeeded');
  expect((await call('GET', `/v1/runs/${id}`)).body).toMatchObject({ status: 'paused', pausedBy: 'admin-key' });
  expect(await page.getByRole('button', { name: 'Pause run' }).count()).toBe(0);
  await page.screenshot({ path: join(ARTIFACTS, 'console-paused-run.png'), fullPage: true });

  await page.getByRole('button', { name: 'Resume run' }).click();
  await node('after', 'succeeded').waitFor({ timeout: 20_000 });
  await page.locator('.facts .badge', { hasText: 'succeeded' }).waitFor();
  expect(await notice.count()).toBe(0);
  expect((await finished(id)).output).toEqual({ after: { got: 'slow-done' } });
});

it('re-runs from a middle step with an edited input, checked before it is sent, and shows the new output', async () => {
  const id = await submit(pipeline, { v: 'original' });
  await finished(id);
  await page.goto(`${baton.url}/console/runs/${id}`);
  await node('shape', 'succeeded').click();
  await panel().getByLabel("Edit the step's input").check();
  const editor = panel().getByLabel('Input for shape (JSON)');
  // Prefilled with the input the step was given.
  expect(JSON.parse(await editor.inputValue())).toEqual({ shaped: 'original' });
  await page.screenshot({ path: join(ARTIFACTS, 'console-rerun-step.png'), fullPage: true });

  await editor.fill('{ "shaped": ');
  await panel().getByRole('button', { name: 'Re-run from this step' }).click();
  await panel().getByRole('alert').filter({ hasText: 'The edited input is not JSON' }).waitFor();
  expect(await editor.getAttribute('aria-invalid')).toBe('true');
  expect((await call('GET', `/v1/runs/${id}/history?limit=1000`)).body.items.some((e: { type: string }) => e.type === 'run.rerun')).toBe(false);

  await editor.fill('{ "shaped": "edited" }');
  await panel().getByRole('button', { name: 'Re-run from this step' }).click();
  await until(id, (r) => r.status === 'succeeded' && r.output?.store?.stored === 'edited', 'the re-run did not finish with the edited input');
  // The page follows the run again: the stream that had ended is read anew.
  await node('store', 'succeeded').click();
  await panel().getByTestId('step-output').filter({ hasText: '"stored": "edited"' }).waitFor({ timeout: 20_000 });
  const run = await finished(id);
  expect(run.steps.find((s: { key: string }) => s.key === 'fetch').attempts).toBe(1);
  expect(run.steps.find((s: { key: string }) => s.key === 'shape')).toMatchObject({ attempts: 2, output: { shaped: 'edited' } });
});

it('forks from a step with an edited input, opens the new run, and follows its link back to the origin', async () => {
  const origin = await submit(pipeline, { v: 'first' });
  await finished(origin);
  await page.goto(`${baton.url}/console/runs/${origin}`);
  await node('shape', 'succeeded').click();
  await panel().getByLabel("Edit the step's input").check();
  await panel().getByLabel('Input for shape (JSON)').fill('{ "shaped": "what-if" }');
  await panel().getByRole('button', { name: 'Fork from this step' }).click();
  await page.waitForURL((url) => /\/console\/runs\/[0-9a-f-]{36}$/.test(url.pathname) && !url.pathname.endsWith(origin));
  const fork = page.url().split('/').at(-1)!;

  const forkedFrom = page.locator('.facts div', { hasText: 'Forked from' });
  await forkedFrom.waitFor();
  expect(await forkedFrom.textContent()).toContain(`${origin.slice(0, 8)} at shape`);
  expect((await finished(fork)).output).toEqual({ store: { stored: 'what-if' } });
  await node('store', 'succeeded').click();
  await panel().getByTestId('step-output').filter({ hasText: '"stored": "what-if"' }).waitFor();

  await forkedFrom.getByRole('link').click();
  await page.waitForURL(`**/console/runs/${origin}`);
  await node('store', 'succeeded').click();
  await panel().getByTestId('step-output').filter({ hasText: '"stored": "first"' }).waitFor();
  expect((await call('GET', `/v1/runs/${origin}`)).body.output).toEqual({ store: { stored: 'first' } });
});

it("shows the api's 400 when a re-run's input is not allowed, with its details", async () => {
  const id = await submit({ name: 'console-each', steps: [{ id: 'each', agent: 'echo', forEach: '{{ [1, 2] }}', input: { n: '{{ $item }}' } }] });
  await finished(id);
  await page.goto(`${baton.url}/console/runs/${id}`);
  await node('each', 'succeeded').click();
  await panel().getByLabel("Edit the step's input").check();
  await panel().getByLabel('Input for each (JSON)').fill('{ "n": 5 }');
  await panel().getByRole('button', { name: 'Re-run from this step' }).click();
  const alert = panel().getByRole('alert');
  await alert.waitFor();
  expect(await alert.textContent()).toMatch(/VALIDATION_FAILED: .*forEach/s);
});

it('pauses and resumes a template, showing its paused state and who paused it', async () => {
  expect((await call('PUT', '/v1/templates/console-nightly', { ...pipeline, name: 'console-nightly' })).status).toBe(201);
  await page.goto(`${baton.url}/console/templates/console-nightly`);
  await page.locator('.template-pause .badge', { hasText: 'active' }).waitFor();
  await page.getByRole('button', { name: 'Pause template' }).click();
  await page.locator('.template-pause .badge', { hasText: 'paused' }).waitFor();
  expect(await page.getByTestId('template-paused').textContent()).toMatch(/Paused by admin-key since .+\d/);
  expect((await call('GET', '/v1/templates/console-nightly')).body.paused).toMatchObject({ by: 'admin-key' });
  await page.screenshot({ path: join(ARTIFACTS, 'console-template-paused.png'), fullPage: true });

  // The state is the api's: a fresh page shows it, and a run of the paused template is held.
  await page.reload();
  await page.locator('.template-pause .badge', { hasText: 'paused' }).waitFor();
  const held = (await call('POST', '/v1/runs', { template: 'console-nightly', input: { v: 'held' } })).body.id as string;
  await until(held, (r) => r.status === 'paused', 'not held by its paused template');

  await page.getByRole('button', { name: 'Resume template' }).click();
  await page.locator('.template-pause .badge', { hasText: 'active' }).waitFor();
  await page.getByRole('status').filter({ hasText: 'Resumed: 1 run its pause held started again.' }).waitFor();
  expect((await call('GET', '/v1/templates/console-nightly')).body.paused).toBeUndefined();
  expect((await finished(held)).status).toBe('succeeded');

  // A run it held shows its template as who paused it.
  await call('POST', '/v1/templates/console-nightly/pause');
  const second = (await call('POST', '/v1/runs', { template: 'console-nightly', input: { v: 'again' } })).body.id as string;
  await until(second, (r) => r.status === 'paused', 'not held');
  await page.goto(`${baton.url}/console/runs/${second}`);
  expect(await page.getByTestId('paused-notice').textContent()).toMatch(/Paused by its template console-nightly/);
  await call('POST', '/v1/templates/console-nightly/resume');
  await finished(second);
});

it('pauses and resumes an agent for the whole fleet, and shows an auto-pause with its reason', async () => {
  await page.goto(`${baton.url}/console/agents`);
  const transform = page.getByTestId('agent-queue-transform');
  await transform.locator('.badge', { hasText: 'active' }).waitFor();
  await page.getByRole('button', { name: 'Pause agent transform' }).click();
  await transform.locator('.badge', { hasText: 'paused' }).waitFor();
  expect(await transform.textContent()).toMatch(/by admin-key/);
  expect((await call('GET', '/v1/agents')).body.items.find((a: { name: string }) => a.name === 'transform').paused).toMatchObject({ by: 'admin-key' });
  await page.getByRole('button', { name: 'Resume agent transform' }).click();
  await transform.locator('.badge', { hasText: 'active' }).waitFor();
  expect((await call('GET', '/v1/agents')).body.items.find((a: { name: string }) => a.name === 'transform').paused).toBeUndefined();

  // A failing agent trips BATON_AUTO_PAUSE; the page shows it was the auto-pause, and why.
  const id = await submit({ name: 'console-broken', steps: [{ id: 'call', agent: 'fail', input: { untilAttempt: 4 }, retry: { attempts: 6 } }] });
  const fail = page.getByTestId('agent-queue-fail');
  await fail.locator('.badge', { hasText: 'paused' }).waitFor({ timeout: 30_000 });
  const reason = (await call('GET', '/v1/agents')).body.items.find((a: { name: string }) => a.name === 'fail').paused.reason as string;
  expect(await fail.textContent()).toContain('by auto-pause');
  expect(await fail.textContent()).toContain(reason);
  await page.screenshot({ path: join(ARTIFACTS, 'console-agents-paused.png'), fullPage: true });
  await page.getByRole('button', { name: 'Resume agent fail' }).click();
  await fail.locator('.badge', { hasText: 'active' }).waitFor();
  expect((await finished(id)).status).toBe('succeeded');
});

it("cancels every run of the runs page's filter after a confirmation naming it, and shows the progress reaching done", async () => {
  const victim = { name: 'console-bulk-victim', steps: [{ id: 'wait', agent: 'delay', input: { ms: 60_000 } }] };
  const ids = await Promise.all([1, 2, 3, 4].map(() => submit(victim)));
  const bystander = await submit({ name: 'console-bystander', steps: [{ id: 'wait', agent: 'delay', input: { ms: 60_000 } }] });

  await page.goto(`${baton.url}/console/?template=console-bulk-victim`);
  await page.locator('tbody tr', { hasText: 'console-bulk-victim' }).nth(3).waitFor();
  const bulk = page.getByRole('group', { name: 'Bulk actions' });
  await bulk.getByLabel('Bulk action').selectOption('cancel');
  await bulk.getByRole('button', { name: 'Apply…' }).click();
  const confirm = page.getByRole('group', { name: 'Confirm the bulk action' });
  // Said before anything happens: the action and the filter (these runs have no template: a workflow name).
  expect(await confirm.textContent()).toMatch(/Cancel every run the action applies to \(queued, running or paused\) of the workflow console-bulk-victim, created before now\?/);
  expect((await call('GET', '/v1/runs?template=console-bulk-victim&status=cancelled')).body.items).toHaveLength(0);
  await confirm.getByRole('button', { name: 'Yes, cancel them' }).click();

  const progress = page.getByTestId('bulk-progress');
  await page.locator('[data-testid="bulk-progress"][data-status="succeeded"]').waitFor({ timeout: 30_000 });
  expect(await progress.textContent()).toMatch(/Cancel: 4 of 4 runs — done/);
  await page.screenshot({ path: join(ARTIFACTS, 'console-bulk-cancel.png'), fullPage: true });
  for (const id of ids) expect((await finished(id)).status).toBe('cancelled');
  expect((await call('GET', `/v1/runs/${bystander}`)).body.status).not.toBe('cancelled');
  await call('POST', `/v1/runs/${bystander}/cancel`);
});

it("tells a viewer's key it may not, and then disables what needs the same permission", async () => {
  const viewer = (await call('POST', '/v1/api-keys', { name: 'console-watcher', role: 'viewer' })).body.key as string;
  const id = await submit({ name: 'console-watched', steps: [{ id: 'wait', agent: 'delay', input: { ms: 60_000 } }] });
  const context = await browser.newContext();
  try {
    const tab = await context.newPage();
    await logIn(tab, viewer);
    await tab.goto(`${baton.url}/console/runs/${id}`);
    await tab.locator('.node[data-key="wait"][data-status="running"]').waitFor({ timeout: 20_000 });
    await tab.getByRole('button', { name: 'Pause run' }).click();
    const alert = tab.getByRole('alert');
    await alert.waitFor();
    expect(await alert.textContent()).toContain('Not allowed with this key: the viewer role may not do this');
    expect(await tab.getByRole('button', { name: 'Pause run' }).isDisabled()).toBe(true);
    expect(await tab.getByRole('button', { name: 'Pause run' }).getAttribute('title')).toContain('run.retry');
    // The step panel's buttons need the same permission.
    await tab.locator('.node[data-key="wait"]').click();
    expect(await tab.getByRole('button', { name: 'Fork from this step' }).isDisabled()).toBe(true);
    expect((await call('GET', `/v1/runs/${id}`)).body.status).toBe('running');
  } finally {
    await context.close();
    await call('POST', `/v1/runs/${id}/cancel`);
  }
});
