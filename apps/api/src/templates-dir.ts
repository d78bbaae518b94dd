import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { storeTemplate, type TemplateDeps } from '@baton/runtime';
import { parseWorkflow, validate, type Problem } from '@baton/workflow';
import type { Logger } from '@baton/telemetry';

/** A file of `BATON_TEMPLATES_DIR` that is not a valid template: start-up stops with it. */
export class TemplateFileError extends Error {
  constructor(readonly file: string, readonly problems: readonly Problem[]) {
    super(`template file ${file} is not valid:\n${problems.map((p) => `  ${p.path || '(root)'}: ${p.message}`).join('\n')}`);
    this.name = 'TemplateFileError';
  }
}

const TEMPLATE_FILE = /\.(ya?ml|json)$/i;

/**
 * Stores every `*.yaml`, `*.yml` and `*.json` file of `dir` (not its subfolders) as a template of
 * `tenant`, a new version only where the file changed. All files are checked before any is stored:
 * one bad file stores none. Agents are not checked against the registry (workers may start after
 * the api); a run checks them, as every run's.
 * @throws TemplateFileError naming the file and its every problem; the file system's error for an unreadable folder
 */
export async function loadTemplatesDir(
  dir: string,
  tenant: string,
  deps: Pick<TemplateDeps, 'templates' | 'templateChanges' | 'limits'>,
  logger: Logger,
): Promise<void> {
  const files = (await readdir(dir, { withFileTypes: true })).filter((f) => f.isFile() && TEMPLATE_FILE.test(f.name)).map((f) => f.name).sort();
  const checked = [];
  const names = new Map<string, string>();
  for (const file of files) {
    const path = join(dir, file);
    const parsed = parseWorkflow(await readFile(path, 'utf8'), { maxYamlNodes: deps.limits?.maxYamlNodes });
    if (!parsed.ok) throw new TemplateFileError(path, parsed.problems);
    const result = validate(parsed.definition);
    if (!result.ok) throw new TemplateFileError(path, result.problems);
    const other = names.get(result.workflow.name);
    if (other) throw new TemplateFileError(path, [{ path: 'name', message: `'${result.workflow.name}' is the name of ${other} too` }]);
    names.set(result.workflow.name, path);
    checked.push({ path, file, definition: parsed.definition, workflow: result.workflow });
  }
  for (const t of checked) {
    const stored = await storeTemplate(deps, { tenant, definition: t.definition, workflow: t.workflow, createdBy: `file:${t.file}` });
    logger.info(stored.created ? 'template stored from file' : 'template file unchanged', { file: t.path, template: stored.name, version: stored.version, tenant });
  }
}
