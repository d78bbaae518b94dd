// `npm run api` and `npm run worker` as a process manager runs them: a SIGTERM to the npm process
// reaches node, which stops gracefully, and leaves no process behind.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createTestDatabase, type TestDatabase } from '@baton/db/testing';
import { waitFor } from '../testing/ephemeral-services';

jest.setTimeout(90_000);

const ROOT = join(__dirname, '../../../..');
let database: TestDatabase;

beforeAll(async () => {
  database = await createTestDatabase({ prefix: 'baton_npm_scripts' });
});
afterAll(async () => {
  await database?.drop();
});

/** Every process whose parent is `pid`, and theirs, from /proc. */
function descendants(pid: number): number[] {
  const children = readdirSync('/proc').filter((d) => /^\d+$/.test(d)).flatMap((d) => {
    try {
      // The parent pid is the 4th field, after the command name in parentheses.
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === pid ? [Number(d)] : [];
    } catch {
      return []; // gone meanwhile
    }
  });
  return children.flatMap((c) => [c, ...descendants(c)]);
}

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

const commandOf = (pid: number): string => {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ').trim();
  } catch {
    return '';
  }
};

describe.each([
  ['api', 'api listening', 'api stopped'],
  ['worker', 'worker started', 'worker stopped'],
])('npm run %s', (script, started, stopped) => {
  let npm: ChildProcess | undefined;
  let leftOver: number[] = [];

  afterEach(() => {
    // Only what this test started, by pid, should it have survived.
    for (const pid of leftOver) if (alive(pid)) process.kill(pid, 'SIGKILL');
    if (npm?.exitCode === null) npm.kill('SIGKILL');
  });

  it('passes SIGTERM on to node, which stops gracefully, leaving no orphan', async () => {
    const env = {
      ...process.env,
      DATABASE_URL: database.url,
      REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
      BATON_QUEUE_PREFIX: `npm-${randomUUID().slice(0, 8)}`,
      PORT: '0', HOST: '127.0.0.1', METRICS_PORT: '0', LOG_LEVEL: 'info', LOG_FORMAT: 'json', DB_POOL_SIZE: '2', SHUTDOWN_GRACE_MS: '2000',
    };
    const child = spawn('npm', ['run', '--silent', script], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    npm = child;
    let output = '';
    child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
    const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));

    await waitFor(() => output.includes(started), 30_000, `${script} did not start: ${output}`);
    leftOver = descendants(child.pid!);
    const node = leftOver.filter((pid) => /^\S*node /.test(commandOf(pid)) && commandOf(pid).includes(`apps/${script}/dist/main.js`));
    expect(node).toHaveLength(1);

    child.kill('SIGTERM');
    const exit = await exited;
    // node ran its shutdown and exited 0; npm answers with node's code.
    expect(output).toContain(stopped);
    expect(exit).toEqual({ code: 0, signal: null });
    await waitFor(() => !alive(node[0]!), 5_000, `node ${node[0]} of npm run ${script} is still running`);
    expect(leftOver.filter(alive)).toEqual([]);
  });
});
