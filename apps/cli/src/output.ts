/** How the CLI writes: JSON for scripts, or text for people, coloured only on a terminal. */
export class Output {
  readonly json: boolean;
  readonly color: boolean;

  constructor(options: { json: boolean; stream: NodeJS.WriteStream; env: Record<string, string | undefined> }) {
    this.json = options.json;
    // https://no-color.org: any non-empty NO_COLOR turns colour off.
    this.color = !options.json && options.stream.isTTY === true && !options.env.NO_COLOR && options.env.TERM !== 'dumb';
  }

  line(text = ''): void {
    process.stdout.write(`${text}\n`);
  }

  data(value: unknown): void {
    process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
  }

  paint(style: Style, text: string): string {
    return this.color ? `\x1b[${STYLES[style]}m${text}\x1b[0m` : text;
  }

  /** A status in its colour: green done, red failed, yellow on its way, grey not started. */
  status(status: string): string {
    return this.paint(STATUS_STYLE[status] ?? 'dim', status);
  }
}

type Style = keyof typeof STYLES;
const STYLES = { bold: '1', dim: '2', red: '31', green: '32', yellow: '33', cyan: '36' };
const STATUS_STYLE: Record<string, Style> = {
  succeeded: 'green', failed: 'red', cancelled: 'red', timedOut: 'red', running: 'yellow', paused: 'yellow', queued: 'cyan', waiting: 'cyan', retrying: 'yellow', skipped: 'dim', pending: 'dim',
};

/** Aligns columns of text (their width ignores colour codes). */
export function table(rows: string[][]): string[] {
  const visible = (s: string) => s.replace(/\x1b\[[0-9;]*m/g, '').length; // eslint-disable-line no-control-regex -- ANSI colour codes
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => visible(r[i] ?? '')))) ?? [];
  return rows.map((r) => r.map((cell, i) => (i === r.length - 1 ? cell : cell + ' '.repeat(widths[i]! - visible(cell)))).join('  ').trimEnd());
}

/** `1.2s`, `3m04s`, `850ms`. */
export function duration(ms: number): string {
  if (ms < 1000) return `${Math.max(0, Math.round(ms))}ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)}s`;
  const s = Math.round(ms / 1000);
  return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
}
