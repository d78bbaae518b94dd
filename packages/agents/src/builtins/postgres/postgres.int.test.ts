import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { executeAgent, startAgent, type StartedAgent } from '@baton/agent-sdk';
import { jobOf, live, memoryLogger } from '@baton/agent-sdk/testing';
import { postgresAgent } from './postgres';

// A scratch database of its own (@baton/agents may not use @baton/db, even in tests).
const server = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

async function admin(sql: string): Promise<void> {
  const client = new Client({ connectionString: server });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

let database = { name: '', url: '' };
let started: StartedAgent<unknown>;

const run = (input: unknown) => executeAgent(started.agent, jobOf(input), { ...live(), deps: started.deps });

async function count(): Promise<number> {
  const client = new Client({ connectionString: database.url });
  await client.connect();
  try {
    return Number((await client.query<{ n: string }>('SELECT count(*) AS n FROM notes')).rows[0]!.n);
  } finally {
    await client.end();
  }
}

beforeAll(async () => {
  const name = `baton_pg_agent_${randomUUID().replaceAll('-', '').slice(0, 16)}`;
  await admin(`CREATE DATABASE ${name}`);
  const url = new URL(server);
  url.pathname = `/${name}`;
  database = { name, url: url.toString() };
  const client = new Client({ connectionString: database.url });
  await client.connect();
  await client.query('CREATE TABLE notes (id serial PRIMARY KEY, body text NOT NULL)');
  await client.query("INSERT INTO notes (body) SELECT 'note ' || i FROM generate_series(1, 50) AS i");
  await client.end();
  started = (await startAgent(
    postgresAgent,
    {
      connections: {
        app: { url: database.url, statementTimeoutMs: 200, maxRows: 20 },
        single: { url: database.url, poolSize: 1 },
        reporting: { url: database.url, readOnly: true },
        down: { url: 'postgres://postgres@127.0.0.1:1/none' },
        nodb: { url: database.url.replace(database.name, 'baton_pg_agent_missing') },
      },
    },
    { logger: memoryLogger(), signal: new AbortController().signal },
  )) as StartedAgent<unknown>;
});

afterAll(async () => {
  await started?.close();
  if (database.name) await admin(`DROP DATABASE IF EXISTS ${database.name} WITH (FORCE)`);
});

it('selects with params bound as $1..$n', async () => {
  expect(await run({ connection: 'reporting', sql: 'SELECT id, body FROM notes WHERE id = ANY($1::int[]) AND body LIKE $2 ORDER BY id', params: [[3, 4, 40], 'note %'] })).toEqual({
    type: 'succeeded',
    output: { rows: [{ id: 3, body: 'note 3' }, { id: 4, body: 'note 4' }, { id: 40, body: 'note 40' }], rowCount: 3, truncated: false },
  });
});

it('inserts on a writable connection, committed', async () => {
  const before = await count();
  expect(await run({ connection: 'app', sql: 'INSERT INTO notes (body) VALUES ($1) RETURNING body', params: ['written'] })).toEqual({
    type: 'succeeded',
    output: { rows: [{ body: 'written' }], rowCount: 1, truncated: false },
  });
  expect(await count()).toBe(before + 1);
});

it('refuses a write on a read-only connection, and on a writable one when the step asks for read-only', async () => {
  const before = await count();
  for (const input of [
    { connection: 'reporting', sql: 'INSERT INTO notes (body) VALUES ($1)', params: ['nope'] },
    { connection: 'app', sql: 'DELETE FROM notes', readOnly: true },
  ]) {
    const outcome = await run(input);
    expect(outcome).toMatchObject({ type: 'failed', error: { code: 'SQL_ERROR' }, retryable: false });
    expect(outcome.type === 'failed' && outcome.error.message).toMatch(/^SQLSTATE 25006: cannot execute .+ in a read-only transaction$/);
  }
  expect(await count()).toBe(before);
});

it('runs one statement only: no COMMIT can end the read-only transaction early', async () => {
  const before = await count();
  const outcome = await run({ connection: 'reporting', sql: "COMMIT; INSERT INTO notes (body) VALUES ('escaped')" });
  expect(outcome).toMatchObject({ type: 'failed', error: { code: 'SQL_ERROR' }, retryable: false });
  expect(outcome.type === 'failed' && outcome.error.message).toMatch(/multiple commands/);
  expect(await count()).toBe(before);
});

it('cancels a statement past the connection\'s timeout, without retries', async () => {
  const startedAt = Date.now();
  const outcome = await run({ connection: 'app', sql: 'SELECT pg_sleep(2)' });
  expect(outcome).toMatchObject({ type: 'failed', error: { code: 'STATEMENT_TIMEOUT' }, retryable: false });
  expect(outcome.type === 'failed' && outcome.error.message).toMatch(/^statement timed out after 200 ms: /);
  expect(Date.now() - startedAt).toBeLessThan(1500);
  // The connection went back to the pool usable; each transaction sets the timeout afresh.
  expect(await run({ connection: 'app', sql: 'SELECT current_setting($1) AS t', params: ['statement_timeout'] })).toMatchObject({ output: { rows: [{ t: '200ms' }] } });
  expect(await run({ connection: 'reporting', sql: 'SELECT current_setting($1) AS t', params: ['statement_timeout'] })).toMatchObject({ output: { rows: [{ t: '10s' }] } });
});

it('caps the rows returned at the connection\'s maxRows or the step\'s smaller one, flagging the cut', async () => {
  expect(await run({ connection: 'app', sql: 'SELECT id FROM generate_series(1, 100) AS id' })).toMatchObject({
    output: { rowCount: 100, truncated: true, rows: Array.from({ length: 20 }, (_, i) => ({ id: i + 1 })) },
  });
  expect(await run({ connection: 'app', sql: 'SELECT id FROM generate_series(1, 100) AS id', maxRows: 2 })).toMatchObject({ output: { rows: [{ id: 1 }, { id: 2 }], truncated: true } });
  // A step cannot raise it above the connection's.
  const outcome = await run({ connection: 'app', sql: 'SELECT id FROM generate_series(1, 100) AS id', maxRows: 1000 });
  expect(outcome.type === 'succeeded' && (outcome.output as { rows: unknown[] }).rows).toHaveLength(20);
});

it('keeps an injection attempt through params a value', async () => {
  const attack = "x'); DROP TABLE notes; --";
  expect(await run({ connection: 'app', sql: 'INSERT INTO notes (body) VALUES ($1) RETURNING body', params: [attack] })).toMatchObject({ output: { rows: [{ body: attack }] } });
  expect(await run({ connection: 'app', sql: 'SELECT count(*)::int AS n FROM notes WHERE body = $1', params: [attack] })).toMatchObject({ output: { rows: [{ n: 1 }] } });
});

it('leaves nothing of a step\'s session to the next step on the same pooled client', async () => {
  expect(await run({ connection: 'single', sql: 'CREATE TEMP TABLE notes (shadow int)' })).toMatchObject({ type: 'succeeded' });
  expect(await run({ connection: 'single', sql: "SELECT set_config('search_path', 'nowhere', false)" })).toMatchObject({ type: 'succeeded' });
  expect(await run({ connection: 'single', sql: "SELECT current_setting('search_path') AS path" })).toMatchObject({ output: { rows: [{ path: '"$user", public' }] } });
  expect(await run({ connection: 'single', sql: 'SELECT body FROM notes WHERE id = $1', params: [1] })).toMatchObject({ output: { rows: [{ body: 'note 1' }] } });
});

it('fails an unknown connection without retries, naming the known ones', async () => {
  expect(await run({ connection: 'nope', sql: 'SELECT 1' })).toMatchObject({
    type: 'failed',
    error: { code: 'UNKNOWN_CONNECTION', message: 'unknown connection "nope" (BATON_CONNECTIONS has: app, single, reporting, down, nodb)' },
    retryable: false,
  });
});

it('fails retryably when the server cannot be reached, finally when the database does not exist', async () => {
  expect(await run({ connection: 'down', sql: 'SELECT 1' })).toMatchObject({ type: 'failed', error: { code: 'AGENT_ERROR', message: expect.stringMatching(/ECONNREFUSED/) }, retryable: true });
  expect(await run({ connection: 'nodb', sql: 'SELECT 1' })).toMatchObject({ type: 'failed', error: { code: 'SQL_ERROR', message: expect.stringMatching(/^SQLSTATE 3D000: /) }, retryable: false });
});

it('fails a syntax error without retries', async () => {
  expect(await run({ connection: 'app', sql: 'SELEC 1' })).toMatchObject({ type: 'failed', error: { code: 'SQL_ERROR', message: expect.stringMatching(/^SQLSTATE 42601: /) }, retryable: false });
});

it.each([{ sql: 'SELECT 1' }, { connection: 'app', sql: '' }, { connection: 'app', sql: 'SELECT $1', params: 'x' }, { connection: 'app', sql: 'SELECT 1', maxRows: 0 }, { connection: 'app', sql: 'SELECT 1', extra: 1 }])(
  'refuses input %p',
  async (input) => {
    expect(await run(input)).toMatchObject({ type: 'failed', error: { code: 'INVALID_INPUT' }, retryable: false });
  },
);

it('refuses a config with a bad connection', async () => {
  await expect(startAgent(postgresAgent, { connections: { app: { url: 'mysql://x' } } }, { logger: memoryLogger(), signal: new AbortController().signal })).rejects.toThrow(/must be a postgres:\/\/ URL/);
});
