import { readFileSync, statSync } from 'node:fs';
import type { Command } from 'commander';
import { BatonApiError } from '@baton/client';
import type { Context } from '../context';
import { readValue, UsageError } from '../read-input';
import { watchRun } from '../watch-run';

/** A file's text (the api reads YAML or JSON text), or else a template's name. */
function workflowOf(arg: string): { workflow: string } | { template: string } {
  let isFile = false;
  try {
    isFile = statSync(arg).isFile();
  } catch {
    isFile = false;
  }
  if (isFile) return { workflow: readFileSync(arg, 'utf8') };
  if (/[/\\]|\.(ya?ml|json)$/i.test(arg)) throw new UsageError(`${arg}: no such file`);
  return { template: arg };
}

/** Problem paths relative to the file: `workflow.steps[0].agent` → `steps[0].agent`. */
export const inFile = (path: string): string => (path === 'workflow' ? '(the file)' : path.replace(/^workflow\.?/, ''));

/** `baton run` and `baton validate`. */
export function runCommand(program: Command, context: () => Context): void {
  program.command('run <workflow>').description('submit a run of a workflow file (YAML or JSON) or of a stored template')
    .option('-i, --input <json>', 'the run\'s input: JSON text, or @file (JSON or YAML)')
    .option('-p, --priority <n>', '1 (lowest) to 10')
    .option('--idempotency-key <key>', 'submitting again with the same key answers the same run')
    .option('-w, --watch', 'follow the run to its end; exit 0 if it succeeded, 1 if not')
    .action(async (arg: string, options: { input?: string; priority?: string; idempotencyKey?: string; watch?: boolean }) => {
      const { client, out } = context();
      const submitted = await client.submit({
        ...workflowOf(arg),
        ...(options.input === undefined ? {} : { input: readValue(options.input, '--input') }),
        ...(options.priority === undefined ? {} : { priority: Number(options.priority) }),
        ...(options.idempotencyKey === undefined ? {} : { idempotencyKey: options.idempotencyKey }),
      } as never);
      if (!options.watch) {
        if (out.json) out.data(submitted);
        else out.line(`run ${out.paint('bold', submitted.id)} ${out.status(submitted.status)}`);
        return;
      }
      const run = out.json ? await client.waitFor(submitted.id) : await watchRun(client, submitted.id, out, process.stdout.isTTY === true);
      if (out.json) out.data(run);
      else if (run.status === 'succeeded') out.line(`output ${JSON.stringify(run.output ?? null, null, 2)}`);
      else out.line(out.paint('red', `run ${run.status}${run.error === undefined ? '' : `: ${JSON.stringify(run.error)}`}`));
      process.exitCode = run.status === 'succeeded' ? 0 : 1;
    });

  program.command('validate <file>').description('check a workflow file against the api (every problem, with its path); exit 1 if any')
    .action(async (file: string) => {
      const { client, out } = context();
      let text: string;
      try {
        text = readFileSync(file, 'utf8');
      } catch (err) {
        throw new UsageError(`${file}: cannot read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
      }
      try {
        await client.validate(text);
      } catch (err) {
        if (!(err instanceof BatonApiError) || err.code !== 'VALIDATION_FAILED') throw err;
        const problems = err.details.map((d) => ({ path: inFile(d.path), message: d.message }));
        if (out.json) out.data({ valid: false, problems });
        else for (const p of problems) out.line(`${file}: ${out.paint('red', p.path)}: ${p.message}`);
        process.exitCode = 1;
        return;
      }
      if (out.json) out.data({ valid: true });
      else out.line(`${file}: ${out.paint('green', 'valid')}`);
    });
}
