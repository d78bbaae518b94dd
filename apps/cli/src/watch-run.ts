import type { BatonClient, Run, RunEvent } from '@baton/client';
import { duration, type Output } from './output';

const FINAL = new Set(['succeeded', 'failed', 'skipped', 'cancelled']);
const SYMBOL: Record<string, string> = { succeeded: '✓', failed: '✗', cancelled: '✗', skipped: '-', running: '▶', retrying: '↻', waiting: '…', queued: '·', pending: '·' };
const BAR_WIDTH = 30;

interface Entry {
  key: string;
  status: string;
  attempt: number;
  startedAt?: number;
  finishedAt?: number;
}

/** What a step event says of its entry's status; other events change none. */
const STEP_STATUS: Record<string, string> = {
  'step.queued': 'queued', 'step.started': 'running', 'step.succeeded': 'succeeded', 'step.failed': 'failed', 'step.retrying': 'retrying',
  'step.skipped': 'skipped', 'step.cancelled': 'cancelled', 'step.waiting': 'waiting', 'step.signalled': 'succeeded',
};

/**
 * Follows a run to its end from its event stream: on a terminal, a line per step (status, attempt,
 * duration) and a progress bar, redrawn in place; elsewhere, a line per step change. Answers the
 * final run, read again so that what is shown last is what the api recorded.
 */
export async function watchRun(client: BatonClient, id: string, out: Output, tty: boolean): Promise<Run> {
  const entries = new Map<string, Entry>();
  const started = Date.now();
  let runStatus = 'queued';
  let drawn = 0;

  const absorb = (run: Run) => {
    runStatus = run.status;
    for (const s of run.steps) {
      entries.set(s.key, {
        key: s.key, status: s.status, attempt: s.attempts,
        startedAt: s.startedAt ? Date.parse(s.startedAt) : undefined, finishedAt: s.finishedAt ? Date.parse(s.finishedAt) : undefined,
      });
    }
  };
  const stepLine = (e: Entry): string => {
    const width = Math.max(...[...entries.keys()].map((k) => k.length));
    // A running step's time so far (on a terminal, redrawn), a finished one's whole time.
    const took = e.startedAt === undefined || (e.finishedAt === undefined && !(tty && e.status === 'running')) ? '' : duration((e.finishedAt ?? Date.now()) - e.startedAt);
    const attempt = e.attempt > 0 ? `attempt ${e.attempt}` : '';
    return `  ${out.status(SYMBOL[e.status] ?? '·')} ${e.key.padEnd(width)}  ${out.status(e.status.padEnd(9))}  ${attempt.padEnd(10)}  ${took}`.trimEnd();
  };
  const barLine = (): string => {
    const all = [...entries.values()];
    const done = all.filter((e) => FINAL.has(e.status)).length;
    const filled = all.length === 0 ? 0 : Math.round((done / all.length) * BAR_WIDTH);
    const bar = out.paint('green', '█'.repeat(filled)) + out.paint('dim', '░'.repeat(BAR_WIDTH - filled));
    return `  ${bar} ${done}/${all.length} steps  ${out.status(runStatus)}  ${duration(Date.now() - started)}`;
  };
  const draw = () => {
    const lines = [...[...entries.values()].map(stepLine), '', barLine()];
    // Up to the frame drawn before, clear it, draw the new one.
    process.stdout.write(`${drawn > 0 ? `\x1b[${drawn}A\r\x1b[J` : ''}${lines.join('\n')}\n`);
    drawn = lines.length;
  };

  absorb(await client.get(id));
  out.line(`run ${out.paint('bold', id)}`);
  let ticker: NodeJS.Timeout | undefined;
  if (tty) {
    draw();
    ticker = setInterval(draw, 250);
  }
  try {
    for await (const event of client.events(id)) {
      const changed = apply(entries, event);
      if (event.type.startsWith('run.')) runStatus = event.type.slice('run.'.length).replace(/^submitted$/, 'queued').replace(/^started$/, 'running');
      if (tty) draw();
      else if (changed && changed.status !== 'queued') out.line(stepLine(changed));
    }
  } finally {
    clearInterval(ticker);
  }
  const run = await client.get(id);
  absorb(run);
  if (tty) draw();
  else out.line(barLine());
  return run;
}

function apply(entries: Map<string, Entry>, event: RunEvent): Entry | undefined {
  const status = STEP_STATUS[event.type];
  if (status === undefined || event.key === undefined) return undefined;
  const at = Date.parse(event.at);
  const entry = entries.get(event.key) ?? { key: event.key, status, attempt: 0 };
  const attempt = event.attempt ?? (typeof event.data?.attempt === 'number' ? event.data.attempt : undefined);
  entry.status = status;
  if (attempt !== undefined) entry.attempt = attempt;
  if (status === 'running') {
    entry.startedAt = at;
    entry.finishedAt = undefined;
  }
  if (FINAL.has(status)) entry.finishedAt = at;
  entries.set(event.key, entry);
  return entry;
}
