import type { Command } from 'commander';
import type { BulkFilter, BulkOperation } from '@baton/client';
import type { Context } from '../context';
import type { Output } from '../output';
import { readValue, UsageError, wholeNumber } from '../read-input';

const list = (value: string) => value.split(',').map((s) => s.trim()).filter(Boolean);

/** `3/5 runs done, 0 failed, running`: a bulk operation's progress, in one line. */
export function progressOf(op: BulkOperation, out: Output): string {
  return `bulk ${op.action} ${op.id}: ${op.done}/${op.matched} runs done, ${op.failed} failed, ${out.status(op.status)}`;
}

/** `baton pause`, `resume`, `rerun`, `fork` (a run) and `baton bulk` (every run a filter matches). */
export function operateCommands(program: Command, context: () => Context): void {
  program.command('pause <id>').description('pause a run: it starts no new step until resumed; running steps finish')
    .action(async (id: string) => {
      const { client, out } = context();
      const answer = await client.pause(id);
      if (out.json) out.data(answer);
      else out.line(`run ${answer.id} ${out.status(answer.status)}`);
    });

  program.command('resume <id>').description('resume a paused run where it stopped')
    .action(async (id: string) => {
      const { client, out } = context();
      const answer = await client.resume(id);
      if (out.json) out.data(answer);
      else out.line(`run ${answer.id} ${out.status(answer.status)}`);
    });

  program.command('rerun <id>').description('re-run a finished run from a step and everything downstream of it; upstream outputs are kept')
    .requiredOption('--from <step>', 'the step to re-run from (a top-level step id)')
    .option('-i, --input <json>', 'the input that step runs with instead of its evaluated one: JSON text, @file (JSON or YAML), or - (standard input)')
    .action(async (id: string, options: { from: string; input?: string }) => {
      const { client, out } = context();
      const answer = await client.rerun(id, { fromStep: options.from, ...(options.input === undefined ? {} : { input: readValue(options.input, '--input') }) });
      if (out.json) out.data(answer);
      else out.line(`run ${answer.id} ${out.status(answer.status)} again from ${options.from}`);
    });

  program.command('fork <id>').description('a new run of the same input, upstream outputs copied, re-running from a step; the run itself is not touched')
    .requiredOption('--from <step>', 'the step to re-run from (a top-level step id)')
    .option('-i, --input <json>', 'the input that step runs with instead of its evaluated one: JSON text, @file (JSON or YAML), or - (standard input)')
    .option('--version <n>', "the version of the run's template the fork runs (default: the run's own definition)")
    .action(async (id: string, options: { from: string; input?: string; version?: string }) => {
      const { client, out } = context();
      const fork = await client.fork(id, {
        fromStep: options.from,
        ...(options.input === undefined ? {} : { input: readValue(options.input, '--input') }),
        ...(options.version === undefined ? {} : { version: wholeNumber(options.version, '--version') }),
      });
      if (out.json) out.data(fork);
      else out.line(`run ${out.paint('bold', fork.id)} ${out.status(fork.status)}: a fork of ${id} from ${options.from}`);
    });

  program.command('bulk <action>').description('cancel, retry, pause or resume every run of your tenant a filter matches (the api applies it in batches)')
    .option('-s, --status <a,b>', 'runs with one of these statuses (queued, running, paused, succeeded, failed, cancelled)')
    .option('-t, --template <name>', 'runs of this template')
    .option('--workflow <name>', "runs of this workflow (the definition's name)")
    .option('--created-after <time>', 'runs created after this ISO 8601 time')
    .option('--created-before <time>', 'runs created before this ISO 8601 time')
    .option('--all', 'no filter: every run of your tenant the action applies to')
    .option('-w, --wait', 'follow the operation to its end, a line per change of its progress')
    .action(async (action: string, options: { status?: string; template?: string; workflow?: string; createdAfter?: string; createdBefore?: string; all?: boolean; wait?: boolean }) => {
      const filter: BulkFilter = {
        ...(options.status === undefined ? {} : { status: list(options.status) as BulkFilter['status'] }),
        ...(options.template === undefined ? {} : { template: options.template }),
        ...(options.workflow === undefined ? {} : { workflow: options.workflow }),
        ...(options.createdAfter === undefined ? {} : { createdAfter: options.createdAfter }),
        ...(options.createdBefore === undefined ? {} : { createdBefore: options.createdBefore }),
      };
      // An empty filter takes every run of the tenant: only when asked for in so many words.
      if (Object.keys(filter).length === 0 && !options.all) throw new UsageError('give a filter (--status, --template, --workflow, --created-after, --created-before), or --all for every run');
      if (Object.keys(filter).length > 0 && options.all) throw new UsageError('--all takes no filter');
      const { client, out } = context();
      const { id } = await client.bulkOperations.start({ action: action as never, filter });
      if (!options.wait) {
        const op = await client.bulkOperations.get(id);
        if (out.json) out.data(op);
        else out.line(progressOf(op, out));
        return;
      }
      let last = '';
      const op = await client.bulkOperations.waitFor(id, {
        intervalMs: 500,
        onProgress: (progress) => {
          const line = progressOf(progress, out);
          if (!out.json && line !== last) out.line(line);
          last = line;
        },
      });
      if (out.json) out.data(op);
    });
}
