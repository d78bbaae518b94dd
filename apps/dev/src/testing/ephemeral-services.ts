import { execFile, execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, chmodSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A free TCP port on loopback. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/**
 * A Redis server of a test's own, for tests that flush or stop it without touching the shared
 * one other test files use at the same time.
 */
export async function startRedis(): Promise<{ url: string; stop(): Promise<void>; start(): Promise<void>; shutdown(): Promise<void> }> {
  const port = await freePort();
  let child: ReturnType<typeof spawn> | undefined;
  const start = async () => {
    child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
    await waitFor(() => spawnSync('redis-cli', ['-p', String(port), 'ping']).stdout?.toString().includes('PONG') ?? false, 10_000, 'redis-server did not start');
  };
  await start();
  return {
    url: `redis://127.0.0.1:${port}`,
    start,
    stop: async () => {
      const exited = new Promise((resolve) => child?.once('exit', resolve));
      child?.kill('SIGKILL');
      await exited;
    },
    /** `SHUTDOWN NOSAVE`: Redis closes every connection itself and exits, as an operator's restart does. */
    shutdown: async () => {
      const exited = new Promise((resolve) => child?.once('exit', resolve));
      // redis-cli reports the dropped connection of a successful SHUTDOWN as an error: the exit decides.
      await new Promise((resolve) => execFile('redis-cli', ['-p', String(port), 'shutdown', 'nosave'], resolve));
      await exited;
    },
  };
}

/** A free loopback port whose cluster bus port (+10000) is free too. */
async function freeClusterPort(): Promise<number> {
  const isFree = (port: number) => new Promise<boolean>((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
  for (;;) {
    const port = 20_000 + Math.floor(Math.random() * 20_000);
    if (await isFree(port) && await isFree(port + 10_000)) return port;
  }
}

/**
 * A Redis Cluster of a test's own: three masters (no replicas) of the machine's `redis-server`,
 * joined by `redis-cli --cluster create`. `url` is the comma-separated form Baton's REDIS_URL takes.
 */
export async function startRedisCluster(): Promise<{ url: string; ports: number[]; cli(port: number, ...args: string[]): string; shutdown(): Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), 'baton-redis-cluster-'));
  const ports: number[] = [];
  while (ports.length < 3) {
    const port = await freeClusterPort();
    if (!ports.includes(port)) ports.push(port);
  }
  const children = ports.map((port) => spawn('redis-server', [
    '--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir,
    '--cluster-enabled', 'yes', '--cluster-config-file', `nodes-${port}.conf`, '--cluster-node-timeout', '2000',
    '--maxmemory-policy', 'noeviction',
  ], { stdio: 'ignore' }));
  const cli = (port: number, ...args: string[]) => spawnSync('redis-cli', ['-p', String(port), ...args]).stdout?.toString() ?? '';
  try {
    for (const port of ports) await waitFor(() => cli(port, 'ping').includes('PONG'), 10_000, `redis-server on ${port} did not start`);
    const created = spawnSync('redis-cli', ['--cluster', 'create', ...ports.map((p) => `127.0.0.1:${p}`), '--cluster-replicas', '0', '--cluster-yes'], { encoding: 'utf8' });
    if (created.status !== 0) throw new Error(`redis-cli --cluster create failed: ${created.stdout}${created.stderr}`);
    for (const port of ports) await waitFor(() => cli(port, 'cluster', 'info').includes('cluster_state:ok'), 20_000, `the cluster is not ok on ${port}`);
  } catch (err) {
    for (const child of children) child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  return {
    url: ports.map((p) => `redis://127.0.0.1:${p}`).join(','),
    ports,
    cli,
    shutdown: async () => {
      await Promise.all(children.map((child) => new Promise((resolve) => {
        child.once('exit', resolve);
        child.kill('SIGKILL');
      })));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function postgresBin(): string {
  const root = '/usr/lib/postgresql';
  const version = readdirSync(root).sort((a, b) => Number(b) - Number(a))[0];
  if (!version) throw new Error('no PostgreSQL installation under /usr/lib/postgresql');
  return join(root, version, 'bin');
}

/** Runs a Postgres binary as the `postgres` user when we are root (initdb and postgres refuse root). */
function asPostgres(bin: string, args: string[]): void {
  const isRoot = process.getuid?.() === 0;
  if (isRoot) execFileSync('runuser', ['-u', 'postgres', '--', bin, ...args], { stdio: 'ignore' });
  else execFileSync(bin, args, { stdio: 'ignore' });
}

/** `asPostgres` without blocking the event loop: a test's clients keep running meanwhile. */
function asPostgresAsync(bin: string, args: string[]): Promise<void> {
  const [file, argv] = process.getuid?.() === 0 ? ['runuser', ['-u', 'postgres', '--', bin, ...args]] : [bin, args];
  return new Promise((resolve, reject) => {
    execFile(file, argv, (err) => (err ? reject(err) : resolve()));
  });
}

/**
 * How `pg_ctl stop` ends the server: `fast` disconnects every session ("terminating connection due to
 * administrator command"), `immediate` kills it as a crash would (recovery at the next start).
 */
export type PostgresStopMode = 'fast' | 'immediate';

/** A Postgres cluster of a test's own (trust auth) that the test may stop and start. */
export async function startPostgres(): Promise<{
  url: string;
  stop(mode?: PostgresStopMode): void;
  start(): void;
  /** `stop` that lets the test's own clients run while Postgres shuts down. */
  stopAsync(mode?: PostgresStopMode): Promise<void>;
  /** `start` that lets the test's own clients run while Postgres starts. */
  startAsync(): Promise<void>;
  destroy(): void;
}> {
  const bin = postgresBin();
  const dir = mkdtempSync(join(tmpdir(), 'baton-pg-'));
  chmodSync(dir, 0o777);
  const data = join(dir, 'data');
  const port = await freePort();
  if (process.getuid?.() === 0) execFileSync('chown', ['postgres', dir]);
  asPostgres(join(bin, 'initdb'), ['-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync']);
  const pgCtl = join(bin, 'pg_ctl');
  const startArgs = ['-D', data, '-w', '-l', join(dir, 'log'), '-o', `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off`, 'start'];
  const stopArgs = (mode: PostgresStopMode) => ['-D', data, '-w', '-m', mode, 'stop'];
  const start = () => asPostgres(pgCtl, startArgs);
  const stop = (mode: PostgresStopMode = 'fast') => asPostgres(pgCtl, stopArgs(mode));
  start();
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    start,
    stop,
    startAsync: () => asPostgresAsync(pgCtl, startArgs),
    stopAsync: (mode: PostgresStopMode = 'fast') => asPostgresAsync(pgCtl, stopArgs(mode)),
    destroy: () => {
      if (existsSync(join(data, 'postmaster.pid'))) stop('immediate');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export async function waitFor(check: () => boolean | Promise<boolean>, timeoutMs: number, message: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(message);
}
