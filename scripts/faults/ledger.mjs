// The ledger: the outside system the `http` steps of the fault suite act on. It records each effect
// once per Idempotency-Key (as an idempotent receiver would) and counts the deliveries of each key,
// so a step run twice shows up as a replay. `?holdMs=N` answers N ms late: the step is mid-effect
// meanwhile, which is when the suite strikes. Each arrival remembers which process sent it.
import { execFile, execFileSync } from 'node:child_process';
import http from 'node:http';
import { promisify } from 'node:util';

const run = promisify(execFile);
const SS_ARGS = (port) => ['-tnpH', 'state', 'established', `( dport = :${port} )`];

/** `ss` output → the pid behind each client socket to the ledger, by its local port. */
function pidsByPort(stdout) {
  const pids = new Map();
  for (const line of stdout.split('\n')) {
    const port = /^\S+\s+\S+\s+\S+:(\d+)\s/.exec(line)?.[1];
    const pid = /pid=(\d+)/.exec(line)?.[1];
    if (port && pid) pids.set(Number(port), Number(pid));
  }
  return pids;
}

export class Ledger {
  /** key → { arrivals: [{ at, pid }] } */
  entries = new Map();
  #waiters = new Set();
  /** Client socket's local port → the pid that held it, as `ss` last saw it (never forgotten: a killed process's ports stay known). */
  #pidByPort = new Map();
  #lookup = Promise.resolve();
  #nextLookup;

  async start() {
    await run('ss', ['-V']).catch(() => {
      throw new Error('the fault suite needs `ss` (iproute2) to tell which process sent each effect');
    });
    this.server = http.createServer((req, res) => void this.#handle(req, res));
    // Looked up as the connection opens (workers keep theirs alive), by one `ss` that starts after
    // it; a process struck before that lookup ran is known from `rememberSenders`, taken before the strike.
    this.server.on('connection', (socket) => {
      const port = socket.remotePort;
      socket.pid = this.#refresh().then(() => this.#pidByPort.get(port));
    });
    this.server.keepAliveTimeout = 60_000;
    await new Promise((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.port = this.server.address().port;
    this.url = `http://127.0.0.1:${this.port}`;
    return this;
  }

  async #handle(req, res) {
    const key = req.headers['idempotency-key'];
    const holdMs = Number(new URL(req.url, this.url).searchParams.get('holdMs') ?? 0);
    req.resume();
    if (!key) {
      res.writeHead(400).end();
      return;
    }
    const entry = this.entries.get(key) ?? { arrivals: [] };
    this.entries.set(key, entry);
    const arrival = { at: Date.now(), pid: undefined };
    entry.arrivals.push(arrival);
    const delivery = entry.arrivals.length;
    arrival.pid = await req.socket.pid;
    for (const w of this.#waiters) w();
    setTimeout(() => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ key, delivery }));
    }, holdMs).unref();
  }

  /** Resolves once `check()` is true, re-checked at each arrival (and every 100 ms). */
  async until(check, timeoutMs, what) {
    const deadline = Date.now() + timeoutMs;
    while (!check()) {
      if (Date.now() > deadline) throw new Error(`ledger: ${what} not seen within ${timeoutMs} ms`);
      await new Promise((resolve) => {
        const done = () => {
          this.#waiters.delete(done);
          clearTimeout(timer);
          resolve();
        };
        const timer = setTimeout(done, 100);
        this.#waiters.add(done);
      });
    }
  }

  /**
   * Records now, synchronously, which process holds each connection to the ledger. The fleet calls
   * it with the process it strikes already stopped, so that process's last connections are known
   * even if it dies before their lookup runs (its sockets vanish with it).
   */
  rememberSenders() {
    try {
      for (const [port, pid] of pidsByPort(execFileSync('ss', SS_ARGS(this.port), { encoding: 'utf8' }))) this.#pidByPort.set(port, pid);
    } catch {
      // no ss: arrivals stay unattributed, and a replay after one fails the checks
    }
  }

  /** Resolves once every arrival so far has its sender looked up. */
  async settled() {
    await this.#refresh();
    await new Promise((resolve) => setImmediate(resolve));
  }

  /** Resolves after one `ss` run that started after the call (concurrent callers share it). */
  #refresh() {
    this.#nextLookup ??= this.#lookup.then(async () => {
      this.#nextLookup = undefined;
      for (let tries = 0; tries < 3; tries++) {
        try {
          const { stdout } = await run('ss', SS_ARGS(this.port));
          for (const [port, pid] of pidsByPort(stdout)) this.#pidByPort.set(port, pid);
          return;
        } catch {
          // a spawn failing on a loaded machine: try again
        }
      }
    });
    this.#lookup = this.#nextLookup;
    return this.#nextLookup;
  }

  arrivals(key) {
    return this.entries.get(key)?.arrivals ?? [];
  }

  close() {
    this.server?.closeAllConnections();
    this.server?.close();
  }
}
