#!/usr/bin/env node
// Makes sure the services the tests and `npm start` need are up, here or on a fresh Debian machine:
// Redis on 127.0.0.1:6379 and Postgres on 127.0.0.1:5432 (and, with --brokers, RabbitMQ on 5672
// and NATS with JetStream on 4222: the bus tests need them, `npm start` does not).
// With --tools it also installs the programs some tests run: Chromium (the Bull Board browser test)
// and promtool (the Prometheus rules test), with apt-get when missing.
// A service whose URL is set in the environment (REDIS_URL, DATABASE_URL, RABBITMQ_URL) is someone
// else's and left alone. Starts what is down (installing it with apt-get when missing), then waits
// until each accepts connections. Idempotent; well under a second when everything is up.
//
// Usage: node scripts/services.mjs [--brokers] [--tools]
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const HOST = '127.0.0.1';
const WAIT_MS = 60_000;
const isRoot = process.getuid?.() === 0;

// ---- probes (node built-ins only) ------------------------------------------------------------

/** Connects, writes `hello`, and resolves with what `decide(bytes)` returns once it returns something. */
function probe(port, hello, decide, timeoutMs = 1000) {
  return new Promise((resolve) => {
    const socket = net.connect({ host: HOST, port });
    let received = Buffer.alloc(0);
    const finish = (result) => {
      socket.destroy();
      resolve(result);
    };
    socket.setTimeout(timeoutMs, () => finish({ up: false, why: 'timed out' }));
    socket.on('error', (error) => finish({ up: false, why: error.code ?? error.message }));
    socket.on('close', () => finish({ up: false, why: 'closed' }));
    socket.on('connect', () => hello && socket.write(hello));
    socket.on('data', (chunk) => {
      received = Buffer.concat([received, chunk]);
      const result = decide(received, socket);
      if (result) finish(result);
    });
    if (!hello) socket.on('connect', () => finish({ up: true }));
  });
}

/** Redis answers PING with +PONG (-LOADING while it loads; -NOAUTH means up, with a password). */
const probeRedis = () =>
  probe(6379, 'PING\r\n', (bytes) => {
    const line = bytes.toString('latin1');
    if (!line.includes('\r\n')) return undefined;
    if (line.startsWith('+PONG') || line.startsWith('-NOAUTH')) return { up: true };
    return { up: false, why: line.trim() };
  });

/**
 * Postgres: a protocol 3.0 StartupMessage as user postgres. The first answer tells both whether it
 * is ready and how it wants us to log in: 'R' with 0 = logged in (trust), another 'R' = it wants a
 * password; 'E' with SQLSTATE 57P03 = still starting up.
 */
function startupMessage() {
  const params = Buffer.from('user\0postgres\0database\0postgres\0\0', 'latin1');
  const header = Buffer.alloc(8);
  header.writeInt32BE(8 + params.length, 0);
  header.writeInt32BE(196608, 4);
  return Buffer.concat([header, params]);
}

const probePostgres = () =>
  probe(5432, startupMessage(), (bytes, socket) => {
    if (bytes.length < 5) return undefined;
    const length = bytes.readInt32BE(1);
    if (bytes.length < 1 + length) return undefined;
    const type = String.fromCharCode(bytes[0]);
    if (type === 'R') {
      const code = bytes.readInt32BE(5);
      if (code === 0) socket.write(Buffer.from([0x58, 0, 0, 0, 4])); // Terminate
      return { up: true, needsPassword: code !== 0 };
    }
    if (type === 'E') {
      const fields = Object.fromEntries(
        bytes.subarray(5, 1 + length).toString('utf8').split('\0').filter(Boolean).map((f) => [f[0], f.slice(1)]),
      );
      if (fields.C === '57P03') return { up: false, why: fields.M };
      return { up: true, refused: fields.M };
    }
    return { up: false, why: `unexpected answer ${JSON.stringify(type)}` };
  });

const probeRabbit = () => probe(5672, undefined, () => undefined);
const probeNats = () => probe(4222, undefined, () => undefined);

// ---- commands ----------------------------------------------------------------------------------

const has = (binary) => spawnSync('sh', ['-c', `command -v ${binary}`], { stdio: 'ignore' }).status === 0;

/** Runs a command (through sudo when not root and asked to); throws with its output on failure. */
function run(command, args, { privileged = false, allowFailure = false } = {}) {
  const [cmd, argv] = privileged && !isRoot ? ['sudo', [command, ...args]] : [command, args];
  if (privileged && !isRoot && !has('sudo')) throw new Error(`${command} needs root, and sudo is not installed`);
  const result = spawnSync(cmd, argv, { encoding: 'utf8', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  if (result.error) throw new Error(`${cmd} ${argv.join(' ')}: ${result.error.message}`);
  if (result.status !== 0 && !allowFailure) {
    throw new Error(`${cmd} ${argv.join(' ')} exited with ${result.status}\n${(result.stdout + result.stderr).trim()}`);
  }
  return result;
}

let aptUpdated = false;
function aptInstall(pkg) {
  if (!has('apt-get')) throw new Error(`${pkg} is not installed and there is no apt-get to install it`);
  console.log(`${pkg}: installing with apt-get…`);
  if (!aptUpdated) run('apt-get', ['update'], { privileged: true });
  aptUpdated = true;
  run('apt-get', ['install', '-y', pkg], { privileged: true });
}

async function waitFor(name, check) {
  const deadline = Date.now() + WAIT_MS;
  let last;
  while (Date.now() < deadline) {
    last = await check();
    if (last.up) return last;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`${name} did not accept connections within ${WAIT_MS / 1000} s (${last?.why ?? 'no answer'})`);
}

// ---- services ----------------------------------------------------------------------------------

async function redis() {
  if (process.env.REDIS_URL) return console.log('redis: REDIS_URL is set, left alone');
  if ((await probeRedis()).up) return console.log('redis: already running');
  let installed = '';
  if (!has('redis-server')) {
    aptInstall('redis-server');
    installed = 'installed and ';
  }
  // The package may have started it already (systemd); start ours only if not.
  if (!(await probeRedis()).up) {
    run('redis-server', ['--daemonize', 'yes', '--bind', HOST, '--port', '6379', '--save', '', '--appendonly', 'no', '--pidfile', join(tmpdir(), 'baton-redis-6379.pid'), '--dir', tmpdir()]);
  }
  await waitFor('redis', probeRedis);
  console.log(`redis: ${installed}started`);
}

/** Every cluster in /etc/postgresql/<version>/<name>, newest version first. */
function postgresClusters() {
  const root = '/etc/postgresql';
  if (!existsSync(root)) return [];
  return readdirSync(root)
    .sort((a, b) => Number(b) - Number(a))
    .flatMap((version) => readdirSync(`${root}/${version}`).filter((name) => existsSync(`${root}/${version}/${name}/postgresql.conf`)).map((name) => [version, name]));
}

async function postgres() {
  if (process.env.DATABASE_URL) return console.log('postgres: DATABASE_URL is set, left alone');
  let state = await probePostgres();
  if (state.up) {
    console.log('postgres: already running');
  } else {
    let installed = '';
    if (!has('pg_ctlcluster')) {
      aptInstall('postgresql'); // creates and usually starts cluster "main"
      installed = 'installed and ';
    }
    if (postgresClusters().length === 0 && existsSync('/usr/lib/postgresql')) {
      const [version] = readdirSync('/usr/lib/postgresql').sort((a, b) => Number(b) - Number(a));
      if (version) run('pg_createcluster', [version, 'main'], { privileged: true });
    }
    const clusters = postgresClusters();
    if (clusters.length === 0) throw new Error('postgres: no cluster in /etc/postgresql to start');
    for (const [version, name] of clusters) {
      // Exit status 2 is "already running".
      const result = run('pg_ctlcluster', ['--skip-systemctl-redirect', version, name, 'start'], { privileged: true, allowFailure: true });
      if (result.status !== 0 && result.status !== 2) throw new Error(`pg_ctlcluster ${version} ${name} start failed\n${(result.stdout + result.stderr).trim()}`);
    }
    state = await waitFor('postgres', probePostgres);
    console.log(`postgres: ${installed}started`);
  }
  if (state.refused) console.log(`postgres: up, but it refuses user postgres over TCP: ${state.refused}`);
  if (state.needsPassword) passwordFallback();
}

// A fresh apt install authenticates TCP connections with scram-sha-256, so `postgres` without a
// password is refused. Rather than rewrite pg_hba.conf, give the user the password "postgres" and
// ask for DATABASE_URL to carry it: simple, and only local development runs this.
function passwordFallback() {
  const sql = "ALTER USER postgres PASSWORD 'postgres'";
  if (isRoot) run('su', ['postgres', '-c', `psql -q -c "${sql}"`]);
  else run('sudo', ['-u', 'postgres', 'psql', '-q', '-c', sql]);
  console.log('postgres: TCP logins need a password: set DATABASE_URL=postgres://postgres:postgres@127.0.0.1:5432/postgres');
}

async function rabbitmq() {
  if (process.env.RABBITMQ_URL) return console.log('rabbitmq: RABBITMQ_URL is set, left alone');
  if ((await probeRabbit()).up) return console.log('rabbitmq: already running');
  let installed = '';
  if (!has('rabbitmq-server')) {
    aptInstall('rabbitmq-server');
    installed = 'installed and ';
  }
  if (!(await probeRabbit()).up) run('rabbitmq-server', ['-detached'], { privileged: true });
  await waitFor('rabbitmq', probeRabbit);
  console.log(`rabbitmq: ${installed}started`);
}

async function nats() {
  if (process.env.BATON_TEST_NATS_URL) return console.log('nats: BATON_TEST_NATS_URL is set, left alone');
  if ((await probeNats()).up) return console.log('nats: already running');
  let installed = '';
  if (!has('nats-server')) {
    aptInstall('nats-server');
    installed = 'installed and ';
  }
  if (!(await probeNats()).up) {
    const store = join(tmpdir(), 'baton-nats-jetstream');
    const child = spawn(has('nats-server') ? 'nats-server' : '/usr/sbin/nats-server', ['-a', HOST, '-p', '4222', '-js', '-sd', store], { detached: true, stdio: 'ignore' });
    child.unref();
  }
  await waitFor('nats', probeNats);
  console.log(`nats: ${installed}started`);
}

/** Programs the tests run, by the path they run them at, and the Debian package of each. */
const TOOLS = [
  ['/usr/bin/chromium', 'chromium'],
  ['/usr/bin/promtool', 'prometheus'],
];

// Sequential (apt holds a lock), and before the services start (apt-get is slow, not their probes).
function tools() {
  for (const [path, pkg] of TOOLS) {
    if (existsSync(path)) {
      console.log(`${pkg}: ${path} present`);
      continue;
    }
    aptInstall(pkg);
    if (!existsSync(path)) throw new Error(`${pkg} was installed but ${path} is still missing`);
    console.log(`${pkg}: installed`);
  }
}

try {
  if (process.argv.includes('--tools')) tools();
  const brokers = process.argv.includes('--brokers') || process.argv.includes('--rabbitmq');
  await Promise.all([redis(), postgres(), ...(brokers ? [rabbitmq(), nats()] : [])]);
} catch (error) {
  console.error(`services: ${error.message}`);
  process.exit(1);
}
