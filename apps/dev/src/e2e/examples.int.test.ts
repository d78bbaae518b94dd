// The workflows in examples/workflows, as a user would run them: the folder loads as
// BATON_TEMPLATES_DIR, each file validates, PUTs as its template, and runs with its sample input
// (inputs/<name>.input.json) to the result its comments promise (api and worker in-process, real
// Redis, Postgres and BullMQ). A broken example fails here, in CI.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig, startApi } from '@baton/app-api';
import { createLogger } from '@baton/telemetry';
import { BatonHarness, type RunView } from '../testing/baton-harness';
import { waitFor } from '../testing/ephemeral-services';

jest.setTimeout(60_000);

const DIR = join(__dirname, '..', '..', '..', '..', 'examples', 'workflows');
const files = readdirSync(DIR).filter((f) => f.endsWith('.yaml')).sort();
const source = (name: string) => readFileSync(join(DIR, `${name}.yaml`), 'utf8');
const sample = (name: string): Record<string, unknown> => JSON.parse(readFileSync(join(DIR, 'inputs', `${name}.input.json`), 'utf8'));

const entry = (run: RunView, key: string) => run.steps.find((s) => s.key === key);

describe('examples/workflows', () => {
  let baton: BatonHarness;
  beforeAll(async () => {
    baton = await BatonHarness.start({ reconcileEveryMs: 300 });
    // An api started on the folder stores its files, or refuses to start naming the bad file (and
    // then closes what it opened, so this fails rather than hangs).
    const loader = await startApi(loadConfig({ ...baton.env, BATON_TEMPLATES_DIR: DIR }), createLogger({ level: 'error', service: 'api-examples', silent: true }));
    await loader.close();
  });
  afterAll(async () => {
    await baton?.close();
  });

  const start = async (template: string, input: unknown): Promise<string> => {
    const res = await baton.request('POST', '/v1/runs', { template, input });
    if (res.status !== 202) throw new Error(`run of ${template} answered ${res.status}: ${JSON.stringify(res.body)}`);
    return res.body.id as string;
  };

  test('the four examples are there, each with a sample input', () => {
    expect(files).toEqual(expect.arrayContaining(['approval.yaml', 'document-pipeline.yaml', 'nightly-report.yaml', 'support-triage.yaml']));
    for (const file of files) expect(existsSync(join(DIR, 'inputs', file.replace(/\.yaml$/, '.input.json')))).toBe(true);
  });

  test.each(files)('%s validates, is named after its file, and PUTs as the version the folder loaded', async (file) => {
    const name = file.replace(/\.yaml$/, '');
    const res = await baton.request('POST', '/v1/workflows/validate', { workflow: source(name) });
    expect(res).toEqual({ status: 200, body: { valid: true } });
    const put = await fetch(`${baton.url}/v1/templates/${name}`, { method: 'PUT', headers: { 'content-type': 'application/yaml' }, body: source(name) });
    expect({ status: put.status, body: await put.json() }).toEqual({ status: 200, body: { name, version: 1 } });
    const stored = await baton.request('GET', `/v1/templates/${name}`);
    expect(stored.body).toMatchObject({ name, version: 1, createdBy: `file:${file}`, definition: { name } });
  });

  test('support-triage: an urgent billing ticket is handed to the billing desk and escalated', async () => {
    const run = await baton.waitFor(await start('support-triage', sample('support-triage')));
    expect(run).toMatchObject({
      status: 'succeeded',
      output: { ticket: 'T-1042', category: 'billing', desk: 'billing', slaHours: 24, escalated: true, reply: 'Our billing team is checking your invoice.' },
    });
    // The route went through a hand-off hop to the desk's agent.
    expect(entry(run, 'route>handoff:1')).toMatchObject({ agent: 'transform', status: 'succeeded', output: { desk: 'billing' } });
    expect(entry(run, 'escalate')).toMatchObject({ status: 'succeeded', output: { page: 'oncall-billing', ticket: 'T-1042' } });
    expect(entry(run, 'acknowledge')?.status).toBe('skipped');
  });

  test('support-triage: a ticket.created event with a plain question goes to the helpdesk and is acknowledged', async () => {
    const ticket = { id: 'T-1043', subject: 'Opening hours', body: 'When is your phone line open?' };
    const res = await baton.request('POST', '/v1/events', { type: 'ticket.created', payload: { ticket } });
    expect(res.status).toBe(202);
    expect(res.body.runs).toHaveLength(1);
    const run = await baton.waitFor(res.body.runs[0] as string);
    expect(run).toMatchObject({ status: 'succeeded', output: { ticket: 'T-1043', category: 'general', desk: 'helpdesk', escalated: false } });
    expect(entry(run, 'escalate')?.status).toBe('skipped');
    expect(entry(run, 'acknowledge')).toMatchObject({ status: 'succeeded', output: { reply: 'Thanks for writing, we will get back to you.' } });
  });

  test('document-pipeline: one result per file, in the input order, and a summary of the batch', async () => {
    const input = sample('document-pipeline') as { batch: string; files: Array<{ name: string }> };
    const run = await baton.waitFor(await start('document-pipeline', input));
    expect(run.status).toBe('succeeded');
    const output = run.output as { batch: string; files: Array<{ name: string; position: number; words: number; needsReview: boolean }>; summary: unknown };
    expect(output.batch).toBe('contracts-2026-11');
    expect(output.files.map((f) => f.name)).toEqual(input.files.map((f) => f.name));
    expect(output.files.map((f) => f.position)).toEqual([0, 1, 2, 3]);
    expect(output.files[2]).toMatchObject({ name: 'globex-nda.txt', kind: 'txt', title: 'Mutual NDA with Globex. Two years.', words: 6, firstSentence: 'Mutual NDA with Globex', needsReview: true });
    expect(output.summary).toEqual({ files: 4, words: output.files.reduce((n, f) => n + f.words, 0), longest: 'initech-sow.md', needsReview: ['globex-nda.txt'] });
    expect(run.steps.filter((s) => s.id === 'extract' && s.key !== 'extract').map((s) => s.status)).toEqual(['succeeded', 'succeeded', 'succeeded', 'succeeded']);
  });

  /** Starts an approval run and waits until its decision step waits for the signal. */
  const waitingApproval = async (input: unknown): Promise<string> => {
    const id = await start('approval', input);
    await waitFor(async () => entry(await baton.run(id), 'decision')?.status === 'waiting', 10_000, `run ${id} never waited for its decision`);
    return id;
  };

  test('approval: the approval signal runs the order branch', async () => {
    const id = await waitingApproval(sample('approval'));
    const signal = await baton.request('POST', `/v1/runs/${id}/signals/approval`, { approved: true, by: 'dana', comment: 'within budget' });
    expect(signal.status).toBe(202);
    const run = await baton.waitFor(id);
    expect(run).toMatchObject({
      status: 'succeeded',
      output: { request: 'PR-311', title: 'sam asks for two standing desks (1,480.00 EUR)', decision: 'approved', by: 'dana', comment: 'within budget' },
    });
    expect(entry(run, 'order')).toMatchObject({ status: 'succeeded', output: { action: 'place-order', request: 'PR-311', amount: 1480, approvedBy: 'dana' } });
    expect(entry(run, 'decline')?.status).toBe('skipped');
  });

  test('approval: a refusal, and no decision in time, run the decline branch', async () => {
    const refused = await waitingApproval(sample('approval'));
    await baton.request('POST', `/v1/runs/${refused}/signals/approval`, { approved: false, by: 'dana', comment: 'over budget' });
    const timedOut = await start('approval', { ...sample('approval'), timeoutMs: 1000 });
    const [no, late] = await Promise.all([baton.waitFor(refused), baton.waitFor(timedOut)]);
    expect(no).toMatchObject({ status: 'succeeded', output: { decision: 'declined', by: 'dana' } });
    expect(entry(no, 'decline')).toMatchObject({ status: 'succeeded', output: { action: 'notify-requester', to: 'sam', reason: 'over budget' } });
    expect(late).toMatchObject({ status: 'succeeded', output: { decision: 'declined' } });
    expect(entry(late, 'decision')).toMatchObject({ status: 'failed', error: { code: 'WAIT_TIMEOUT' } });
    expect(entry(late, 'decline')).toMatchObject({ status: 'succeeded', output: { reason: 'no decision in time' } });
    expect(entry(late, 'order')?.status).toBe('skipped');
  });

  test('nightly-report: scheduled daily at 02:00 UTC, and a run with the schedule input writes the report', async () => {
    const schedules = await baton.request('GET', '/v1/schedules');
    expect(schedules.status).toBe(200);
    expect(schedules.body.items).toEqual([{ template: 'nightly-report', version: 1, cron: '0 2 * * *', timezone: 'UTC', input: sample('nightly-report'), nextFireAt: expect.any(String) }]);
    const next = new Date(schedules.body.items[0].nextFireAt as string);
    expect(next.getTime()).toBeGreaterThan(Date.now());
    expect(next.getTime()).toBeLessThanOrEqual(Date.now() + 24 * 3600_000);
    expect([next.getUTCHours(), next.getUTCMinutes(), next.getUTCSeconds()]).toEqual([2, 0, 0]);

    const run = (await baton.waitFor(await start('nightly-report', schedules.body.items[0].input))) as RunView & { input: unknown };
    expect(run).toMatchObject({ status: 'succeeded', input: { slaTarget: 0.95 } });
    const output = run.output as { day: string; totals: unknown; belowTarget: string[]; text: string };
    expect(output.totals).toEqual({ opened: 187, closed: 180, backlogChange: 7, breached: 7, inSla: 0.963 });
    expect(output.belowTarget).toEqual(['technical']);
    const yesterday = (at: string | undefined) => new Date(Date.parse(at!) - 24 * 3600_000).toISOString().slice(0, 10);
    expect([yesterday(run.createdAt), yesterday(run.finishedAt)]).toContain(output.day);
    expect(output.text.split('\n')).toEqual([
      `support report for ${output.day}`,
      'Tickets: 187 opened, 180 closed, 7 past SLA (96.3% in SLA, target 95%)',
      '- technical: 89.5% in SLA (below target)',
      '- billing: 97.6% in SLA',
      '- general: 100.0% in SLA',
    ]);
  });
});
