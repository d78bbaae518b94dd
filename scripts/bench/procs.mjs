// Child processes of the benchmark: spawning with a tail of their output kept for error reports,
// stopping them (SIGTERM, then SIGKILL), and a free TCP port.
import { spawn } from 'node:child_process';
import net from 'node:net';

const TAIL_LINES = 60;

/** A spawned node process whose last lines of stdout/stderr are kept. */
export class Child {
  constructor(label, args, { env, cwd, onExit } = {}) {
    this.label = label;
    this.tail = [];
    this.exited = false;
    this.exitCode = undefined;
    this.proc = spawn(process.execPath, args, { cwd, env, stdio: ['pipe', 'pipe', 'pipe'] });
    this.pid = this.proc.pid;
    const keep = (chunk) => {
      for (const line of chunk.toString('utf8').split('\n')) {
        if (!line) continue;
        this.tail.push(line.length > 2000 ? `${line.slice(0, 2000)}…` : line);
        if (this.tail.length > TAIL_LINES) this.tail.shift();
      }
    };
    this.proc.stdout.on('data', keep);
    this.proc.stderr.on('data', keep);
    this.proc.stdin.on('error', () => undefined);
    this.exitPromise = new Promise((resolve) => {
      this.proc.once('exit', (code, signal) => {
        this.exited = true;
        this.exitCode = code ?? signal;
        onExit?.(this);
        resolve(this.exitCode);
      });
    });
  }

  /** SIGTERM, then SIGKILL after `graceMs`. */
  async stop(graceMs = 5000) {
    if (this.exited) return this.exitCode;
    try {
      this.proc.kill('SIGTERM');
    } catch {
      // already gone
    }
    let timer;
    const killed = await Promise.race([
      this.exitPromise.then(() => false),
      new Promise((r) => (timer = setTimeout(() => r(true), graceMs))),
    ]);
    clearTimeout(timer);
    if (killed && !this.exited) {
      try {
        this.proc.kill('SIGKILL');
      } catch {
        // already gone
      }
      await Promise.race([this.exitPromise, new Promise((r) => setTimeout(r, 2000))]);
    }
    return this.exitCode;
  }

  killNow() {
    if (!this.exited) {
      try {
        this.proc.kill('SIGKILL');
      } catch {
        // already gone
      }
    }
  }

  describe() {
    return `${this.label} (pid ${this.pid})${this.exited ? ` exited with ${this.exitCode}` : ''}\n${this.tail.map((l) => `    | ${l}`).join('\n')}`;
  }
}

/** A TCP port nobody listens on right now. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}
