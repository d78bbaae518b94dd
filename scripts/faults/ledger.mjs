// The ledger: the outside system the `http` steps of the fault suite act on. It records each effect
// once per Idempotency-Key (as an idempotent receiver would) and counts the deliveries of each key,
// so a step run twice shows up as a replay. `?holdMs=N` answers N ms late: the step is mid-effect
// meanwhile, which is when the suite strikes. Each arrival remembers which process sent it.
import { execFile } from 'node:child_process';
import http from 'node:http';

/** The pid of the process whose TCP socket has local port `port` on loopback (`ss`, as root). */
function pidOfPort(port) {
  return new Promise((resolve) => {
    execFile('ss', ['-tnpH', 'state', 'established', `( sport = :${port} )`], (err, stdout) => {
      resolve(err ? undefined : Number(/pid=(\d+)/.exec(stdout)?.[1]) || undefined);
    });
  });
}

export class Ledger {
  /** key → { arrivals: [{ at, pid }] } */
  entries = new Map();
  #waiters = new Set();

  async start() {
    this.server = http.createServer((req, res) => void this.#handle(req, res));
    // Looked up as the connection opens (workers keep theirs alive): a process killed right after
    // its request still has its pid known.
    this.server.on('connection', (socket) => {
      socket.pid = pidOfPort(socket.remotePort);
    });
    this.server.keepAliveTimeout = 60_000;
    await new Promise((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${this.server.address().port}`;
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

  arrivals(key) {
    return this.entries.get(key)?.arrivals ?? [];
  }

  close() {
    this.server?.closeAllConnections();
    this.server?.close();
  }
}
