import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { BatonHarness } from '../testing/baton-harness';

const SCRIPT = resolve(__dirname, '../../../../scripts/backup.mjs');

/** Runs `scripts/backup.mjs` as an operator would (it needs `npm run build`). */
function script(command: 'backup' | 'restore', file: string, databaseUrl: string) {
  const out = spawnSync(process.execPath, [SCRIPT, command, file], { env: { ...process.env, DATABASE_URL: databaseUrl }, encoding: 'utf8', timeout: 60_000 });
  return { status: out.status, stderr: out.stderr };
}

describe('backup and restore (scripts/backup.mjs)', () => {
  let baton: BatonHarness;
  const dir = mkdtempSync(join(tmpdir(), 'baton-backup-'));
  beforeAll(async () => {
    baton = await BatonHarness.start({ workers: 2 });
  });
  afterAll(async () => {
    await baton.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('a copy taken mid-flight, restored into the dropped database, serves every old run, and every in-flight run completes', async () => {
    expect((await baton.request('PUT', '/v1/templates/greet', { name: 'greet', steps: [{ id: 'hi', agent: 'echo' }] })).status).toBe(201);
    const done = await baton.submit({ name: 'done', steps: [{ id: 'a', agent: 'echo' }, { id: 'b', agent: 'echo', needs: ['a'] }] }, { n: 1 });
    expect((await baton.waitFor(done)).status).toBe('succeeded');
    const slow = { name: 'slow', steps: [{ id: 'a', agent: 'echo' }, { id: 'wait', agent: 'delay', needs: ['a'], input: { ms: 4000 } }, { id: 'c', agent: 'echo', needs: ['wait'] }] };
    const inFlight: string[] = [];
    for (let i = 0; i < 10; i++) inFlight.push(await baton.submit(slow, { i }));
    const keyed = await baton.request('POST', '/v1/runs', { workflow: slow, input: { keyed: true } }, { 'Idempotency-Key': 'backup-key' });
    inFlight.push(keyed.body.id);

    const file = join(dir, 'baton.jsonl');
    const backup = script('backup', file, baton.database.url);
    expect(backup).toMatchObject({ status: 0 });
    expect(backup.stderr).toMatch(/backup written: .*runs 12/);
    const header = JSON.parse(readFileSync(file, 'utf8').split('\n')[0]!);
    expect(header).toMatchObject({ baton: 'backup', format: 1 });
    const copied = readFileSync(file, 'utf8').trim().split('\n').slice(1).map((l) => JSON.parse(l)).filter((l) => l.table === 'runs');
    expect(copied.filter((l) => inFlight.includes(l.row.id) && l.row.finished_at === null).length).toBeGreaterThan(0);
    // A second backup never overwrites a file.
    expect(script('backup', file, baton.database.url).status).toBe(1);

    // Some in-flight runs finish after the copy: they are restored as they were and run again.
    await baton.stopApi();
    for (const w of baton.workers.splice(0)) await w.close();
    await baton.database.drop();

    const restore = script('restore', file, baton.database.url);
    expect(restore).toMatchObject({ status: 0 });
    expect(restore.stderr).toMatch(/restored: .*runs 12/);
    // Restoring again is refused: the database is not empty.
    const twice = script('restore', file, baton.database.url);
    expect(twice.status).toBe(1);
    expect(twice.stderr).toMatch(/not empty|ahead of the backup/);

    await baton.startWorker();
    await baton.startWorker();
    await baton.startApi();
    expect(await baton.waitFor(done)).toMatchObject({ status: 'succeeded', steps: [{ key: 'a', status: 'succeeded' }, { key: 'b', status: 'succeeded' }] });
    for (const id of inFlight) expect((await baton.waitFor(id, { timeoutMs: 60_000 })).status).toBe('succeeded');
    // The idempotency key, the template and the events came back too.
    const again = await baton.request('POST', '/v1/runs', { workflow: slow, input: { keyed: true } }, { 'Idempotency-Key': 'backup-key' });
    expect(again.body.id).toBe(keyed.body.id);
    expect((await baton.request('GET', '/v1/templates/greet')).status).toBe(200);
    const history = await baton.request('GET', `/v1/runs/${done}/history`);
    expect(history.body.items.map((e: { type: string }) => e.type)).toContain('run.succeeded');
  }, 120_000);

  test('refuses a file that is not a backup, changing nothing', () => {
    const file = join(dir, 'not-a-backup.jsonl');
    writeFileSync(file, '{"hello":"world"}\n');
    const out = script('restore', file, baton.database.url);
    expect(out.status).toBe(1);
    expect(out.stderr).toMatch(/not a Baton backup/);
  });
});
