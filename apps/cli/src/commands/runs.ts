import type { Command } from 'commander';
import type { Context } from '../context';
import { readValue } from '../read-input';
import { runTree } from '../run-tree';
import { duration, table } from '../output';

/** `baton runs`, `show`, `cancel`, `retry`, `signal`. */
export function runCommands(program: Command, context: () => Context): void {
  program.command('runs').description('list runs, newest first')
    .option('-s, --status <status>', 'queued, running, paused, succeeded, failed or cancelled')
    .option('-t, --template <name>', 'runs of this template')
    .option('-n, --limit <n>', 'how many (1 to 200)', '20')
    .option('--cursor <cursor>', 'the page after this cursor (nextCursor of --json)')
    .action(async (options: { status?: string; template?: string; limit: string; cursor?: string }) => {
      const { client, out } = context();
      const page = await client.list({ status: options.status as never, template: options.template, limit: Number(options.limit), cursor: options.cursor });
      if (out.json) return out.data(page);
      if (page.items.length === 0) return out.line('no runs');
      const rows = page.items.map((r) => [r.id, out.status(r.status), r.template ? `${r.template}@${r.version}` : r.workflow, r.createdAt,
        r.startedAt && r.finishedAt ? duration(Date.parse(r.finishedAt) - Date.parse(r.startedAt)) : '']);
      for (const line of table([['ID', 'STATUS', 'WORKFLOW', 'CREATED', 'TOOK'].map((h) => out.paint('bold', h)), ...rows])) out.line(line);
      if (page.nextCursor) out.line(out.paint('dim', `more: baton runs --cursor ${page.nextCursor}`));
    });

  program.command('show <id>').description('a run: its steps as a tree with their statuses, its output or error')
    .action(async (id: string) => {
      const { client, out } = context();
      const run = await client.get(id);
      if (out.json) return out.data(run);
      // Only a template's definition can be read back: its `needs` make the tree.
      const needs = new Map<string, string[]>();
      if (run.template) {
        const template = await client.templates.get(run.template, run.version).catch(() => undefined);
        const steps = (template?.definition as { steps?: Array<{ id: string; needs?: string[] }> } | undefined)?.steps ?? [];
        for (const s of steps) needs.set(s.id, s.needs ?? []);
      }
      out.line(`run ${out.paint('bold', run.id)}  ${out.status(run.status)}`);
      out.line(`workflow ${run.workflow}${run.template ? `  (template ${run.template}, version ${run.version})` : ''}`);
      out.line(`created ${run.createdAt}${run.startedAt && run.finishedAt ? `  took ${duration(Date.parse(run.finishedAt) - Date.parse(run.startedAt))}` : ''}`);
      if (run.pausedBy) out.line(`paused by ${run.pausedBy}`);
      if (run.forkedFrom) out.line(`forked from ${run.forkedFrom.id} at step ${run.forkedFrom.step}`);
      if (run.usage) out.line(`tokens ${run.usage.totalTokens} (prompt ${run.usage.promptTokens}, completion ${run.usage.completionTokens})`);
      out.line('steps');
      for (const line of runTree(run, needs, out)) out.line(line);
      if (run.output !== undefined) out.line(`output ${JSON.stringify(run.output, null, 2)}`);
      if (run.error !== undefined) out.line(out.paint('red', `error ${JSON.stringify(run.error, null, 2)}`));
    });

  program.command('cancel <id>').description('cancel a run').action(async (id: string) => {
    const { client, out } = context();
    const answer = await client.cancel(id);
    if (out.json) out.data(answer);
    else out.line(`run ${answer.id} ${out.status(answer.status)}`);
  });

  program.command('retry <id>').description('re-run the failed and skipped steps of a failed run').action(async (id: string) => {
    const { client, out } = context();
    const answer = await client.retry(id);
    if (out.json) out.data(answer);
    else out.line(`run ${answer.id} ${out.status(answer.status)}`);
  });

  program.command('signal <id> <name> [payload]').description('send a signal to the step waiting for it (payload: JSON, @file, or - for standard input)')
    .action(async (id: string, name: string, payload: string | undefined) => {
      const { client, out } = context();
      const answer = await client.signal(id, name, payload === undefined ? null : readValue(payload, 'payload'));
      if (out.json) out.data(answer);
      else out.line(`signal ${name} sent to run ${id}`);
    });
}
