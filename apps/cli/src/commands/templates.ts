import { readdirSync, readFileSync } from 'node:fs';
import { basename, extname, join } from 'node:path';
import type { Command } from 'commander';
import { BatonApiError } from '@baton/client';
import { parse as parseYaml } from 'yaml';
import type { Context } from '../context';
import { UsageError } from '../read-input';
import { inFile } from './run';

const TEMPLATE_FILE = /\.(ya?ml|json)$/i;

/** The template's name: the definition's `name`, else the file's name without its extension. */
function nameOf(file: string, text: string): string {
  try {
    const name = (parseYaml(text) as { name?: unknown } | null)?.name;
    if (typeof name === 'string') return name;
  } catch {
    // Not YAML: the api says what is wrong with it.
  }
  return basename(file, extname(file));
}

/** `baton templates push <dir>`: every workflow file of a folder (not its subfolders) as a template version; `pause|resume <name>`. */
export function templateCommands(program: Command, context: () => Context): void {
  const templates = program.command('templates').description('stored workflows');
  templates.command('push <dir>').description('store every *.yaml, *.yml and *.json file of a folder as a template (a new version when changed)')
    .action(async (dir: string) => {
      const { client, out } = context();
      let files: string[];
      try {
        files = readdirSync(dir, { withFileTypes: true }).filter((f) => f.isFile() && TEMPLATE_FILE.test(f.name)).map((f) => f.name).sort();
      } catch (err) {
        throw new UsageError(`${dir}: cannot read the folder (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
      }
      if (files.length === 0) throw new UsageError(`${dir}: no *.yaml, *.yml or *.json file`);
      const results: Array<{ file: string; name: string; version?: number; created?: boolean; error?: { code: string; message: string; details: unknown[] } }> = [];
      for (const file of files) {
        const text = readFileSync(join(dir, file), 'utf8');
        const name = nameOf(file, text);
        try {
          const put = await client.templates.put(name, text);
          results.push({ file, name, version: put.version, created: put.created });
          if (!out.json) out.line(`${file}: ${name} version ${put.version} ${put.created ? out.paint('green', 'stored') : out.paint('dim', 'unchanged')}`);
        } catch (err) {
          if (!(err instanceof BatonApiError) || err.status === 0 || err.status === 401 || err.status >= 500) throw err;
          results.push({ file, name, error: { code: err.code, message: err.message, details: err.details } });
          if (!out.json) {
            out.line(`${file}: ${out.paint('red', `${err.message} (${err.code})`)}`);
            for (const d of err.details) out.line(`  ${inFile(d.path)}: ${d.message}`);
          }
        }
      }
      if (out.json) out.data({ items: results });
      if (results.some((r) => r.error)) process.exitCode = 1;
    });

  templates.command('pause <name>').description('its new runs are admitted paused until it is resumed; runs already going are not touched')
    .action(async (name: string) => {
      const { client, out } = context();
      const answer = await client.templates.pause(name);
      if (out.json) out.data(answer);
      else out.line(`template ${answer.name} ${out.paint('yellow', 'paused')}`);
    });
  templates.command('resume <name>').description('new runs start at once again, and the runs its pause held are resumed')
    .action(async (name: string) => {
      const { client, out } = context();
      const answer = await client.templates.resume(name);
      if (out.json) out.data(answer);
      else out.line(`template ${answer.name} ${out.paint('green', 'resumed')}; ${answer.resumedRuns} held run${answer.resumedRuns === 1 ? '' : 's'} resumed`);
    });
}
