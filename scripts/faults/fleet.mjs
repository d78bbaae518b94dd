// The fleet under test: 2 api and 3 worker processes (the built dist) on this machine, against the
// suite's own Redis and Postgres. The suite kills, stops and restarts them; `heal` restarts whatever
// is down and says whether a process died that nobody killed (a crash: a failure).
import { createWriteStream, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { HttpClient } from '../bench/http.mjs';
import { Child, freePort } from '../bench/procs.mjs';

const ROOT = join(import.meta.dirname, '../..');

export class Fleet {
  apis = [];
  workers = [];
  /** Processes that exited without the suite killing or stopping them. */
  crashed = [];
  restarts = 0;
  #killed = new Set();

  constructor(env, logDir) {
    this.env = env;
    this.logDir = logDir;
  }

  /** The warning counts since the last call. */
  takeCounts() {
    const counts = this.counts;
    this.counts = {};
    return counts;
  }

  async start({ apis = 2, workers = 3 } = {}) {
    for (let i = 0; i < apis; i++) this.apis.push({ port: await freePort() });
    for (let i = 0; i < apis; i++) this.#spawnApi(i);
    for (let i = 0; i < workers; i++) this.#spawnWorker(i);
    await this.healthy(180_000); // five node processes loading at once on a busy machine
  }

  /** How often each worker log message was seen, e.g. `step lost its worker`, since the last `takeCounts`. */
  counts = {};
  /** Job ids whose live worker failed to renew their lock (it stalled past WORKER_LOCK_MS): a re-run of those is the lock's trade-off. */
  lockLost = new Set();

  #watch(child) {
    // Every line goes to <logDir>/<label>.log (appended across restarts), and warnings are counted by message.
    const file = createWriteStream(join(this.logDir, `${child.label.replace(' ', '-')}.log`), { flags: 'a' });
    let rest = '';
    const onData = (chunk) => {
      file.write(chunk);
      const lines = (rest + chunk.toString('utf8')).split('\n');
      rest = lines.pop();
      for (const line of lines) {
        const message = /"message":"([^"]*)"/.exec(line)?.[1];
        const level = /"level":"([^"]*)"/.exec(line)?.[1];
        if (message && (level === 'warn' || level === 'error')) this.counts[message] = (this.counts[message] ?? 0) + 1;
        const lost = /could not renew lock for job ([^"]+)/.exec(line)?.[1];
        if (lost) this.lockLost.add(lost);
      }
    };
    child.proc.stdout.on('data', onData);
    child.proc.stderr.on('data', onData);
    child.exitPromise.then(() => {
      file.end();
      if (!this.#killed.has(child) && !this.stopping) this.crashed.push(child.describe());
    });
    return child;
  }

  #spawnApi(i) {
    const a = this.apis[i];
    a.child = this.#watch(new Child(`api ${i + 1}`, [join(ROOT, 'apps/api/dist/main.js')], { cwd: ROOT, env: { ...this.env, PORT: String(a.port) } }));
    a.http ??= new HttpClient(`http://127.0.0.1:${a.port}`, 128);
  }

  #spawnWorker(i) {
    this.workers[i] = this.#watch(new Child(`worker ${i + 1}`, [join(ROOT, 'apps/worker/dist/main.js')], { cwd: ROOT, env: this.env }));
  }

  /** Called with the process about to be struck already stopped (the ledger records who holds its connections). */
  beforeStrike = () => undefined;

  /** Sends `signal` to a process the suite means to stop (its exit is no crash). */
  signal(child, signal) {
    if (signal === 'SIGCONT') {
      child.proc.kill(signal);
      return;
    }
    if (signal !== 'SIGSTOP') this.#killed.add(child);
    // Stopped first, so it opens no connection between beforeStrike and its death.
    child.proc.kill('SIGSTOP');
    this.beforeStrike(child);
    if (signal === 'SIGSTOP') return;
    child.proc.kill(signal);
    if (signal !== 'SIGKILL') child.proc.kill('SIGCONT'); // a pending SIGTERM is handled as it resumes
  }

  workerByPid(pid) {
    return this.workers.find((w) => w.pid === pid && !w.exited);
  }

  /** Restarts every exited process; resolves once the fleet is healthy again. */
  async heal(timeoutMs = 120_000) {
    this.apis.forEach((a, i) => {
      if (a.child.exited) {
        this.restarts++;
        this.#spawnApi(i);
      }
    });
    this.workers.forEach((w, i) => {
      if (w.exited) {
        this.restarts++;
        this.#spawnWorker(i);
      }
    });
    await this.healthy(timeoutMs);
  }

  /** Both apis ready, and every worker registered for `http`. */
  async healthy(timeoutMs) {
    const deadline = Date.now() + timeoutMs;
    let last = '';
    for (;;) {
      const answers = await Promise.all(this.apis.map((a) => a.http.get('/readyz', { timeoutMs: 2000 }).then((r) => r.status, (e) => e.message)));
      const agents = await this.apis[0].http.get('/v1/agents', { timeoutMs: 2000 }).catch(() => undefined);
      const http = agents?.body?.items?.find?.((x) => x.name === 'http');
      if (answers.every((s) => s === 200) && http?.workers >= this.workers.length) return;
      last = `readyz ${answers.join(', ')}; http served by ${http?.workers ?? '?'} worker(s)`;
      if (Date.now() > deadline) throw new Error(`fleet not healthy within ${timeoutMs} ms (${last})\n${[...this.apis.map((a) => a.child), ...this.workers].map((c) => c.describe()).join('\n')}`);
      await sleep(250);
    }
  }

  /** Resident memory of each worker, MB. */
  workerRss() {
    return this.workers.map((w) => {
      try {
        return Math.round(Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${w.pid}/status`, 'utf8'))?.[1] ?? 0) / 1024);
      } catch {
        return 0;
      }
    });
  }

  async stop() {
    this.stopping = true;
    await Promise.all([...this.apis.map((a) => a.child), ...this.workers].map((c) => c.stop(5000)));
    for (const a of this.apis) a.http?.close();
  }
}
