import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { builtinAgents } from '@baton/agents';
import { parseWorkflow, validate, validateInput, type Problem } from '@baton/workflow';

/**
 * The examples in docs/*.md are checked as the api checks a submission, so the documentation
 * cannot drift from the language. Fenced blocks are recognised by their info string:
 *
 * - ```yaml workflow / ```json workflow: a definition that must be valid;
 * - ```yaml invalid-workflow / ```json invalid-workflow: one that must be invalid. When the next
 *   block is ```json problems (an api error body), its `details` must be exactly the problems;
 * - ```json submit: a `POST /v1/runs` body, whose workflow and input must both be valid.
 *
 * Agents are the built-ins plus those a page defines in its TypeScript blocks (`defineAgent({ name: 'x'`).
 * An untagged yaml or json block holding a `steps` list fails the test: every example gets checked.
 */

const DOCS = join(__dirname, '..', '..', '..', 'docs');

interface Block {
  file: string;
  line: number;
  lang: string;
  tag: string | undefined;
  text: string;
}

/** Every fenced block of a markdown page, with the line its fence opens on. */
function blocksOf(file: string, markdown: string): Block[] {
  const blocks: Block[] = [];
  const lines = markdown.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const open = /^(\s*)(`{3,}|~{3,})\s*([\w-]*)\s*([\w-]*)\s*$/.exec(lines[i]!);
    if (!open) continue;
    const fence = open[2]!;
    const body: string[] = [];
    let j = i + 1;
    while (j < lines.length && !lines[j]!.trimStart().startsWith(fence)) body.push(lines[j++]!);
    blocks.push({ file, line: i + 1, lang: open[3]!, tag: open[4] || undefined, text: body.join('\n') });
    i = j;
  }
  return blocks;
}

const pages = readdirSync(DOCS)
  .filter((name) => name.endsWith('.md'))
  .sort()
  .map((name) => ({ name, markdown: readFileSync(join(DOCS, name), 'utf8') }));

const builtins = builtinAgents.map((agent) => agent.name);

/** Agents a page defines in its TypeScript examples. */
function definedAgents(blocks: Block[]): string[] {
  return blocks
    .filter((b) => b.lang === 'ts' || b.lang === 'typescript')
    .flatMap((b) => [...b.text.matchAll(/defineAgent\(\{\s*name:\s*'([^']+)'/g)].map((m) => m[1]!));
}

/** Validates as `POST /v1/runs` does: registered agents only (a `workflow:` step's template is the tenant's, checked against the store). */
function check(source: unknown, agents: readonly string[]): Problem[] {
  const parsed = parseWorkflow(source);
  if (!parsed.ok) return parsed.problems;
  const result = validate(parsed.definition, { knownAgents: new Set(agents) });
  return result.ok ? [] : result.problems;
}

/** A problem's path as the api reports it, under the request's `workflow` field. */
const underWorkflow = (path: string): string => (path === '' ? 'workflow' : path.startsWith('[') ? `workflow${path}` : `workflow.${path}`);

const cases = pages.flatMap(({ name, markdown }) => {
  const blocks = blocksOf(name, markdown);
  const agents = [...builtins, ...definedAgents(blocks)];
  return blocks.map((block, i) => ({ where: `${block.file}:${block.line}`, block, next: blocks[i + 1], agents }));
});

const tagged = (tag: string) => cases.filter((c) => c.block.tag === tag && (c.block.lang === 'yaml' || c.block.lang === 'json'));

test('the docs hold workflow examples to check', () => {
  expect(pages.map((p) => p.name)).toEqual(expect.arrayContaining(['README.md', 'agents.md', 'api.md', 'workflows.md']));
  expect(tagged('workflow').length).toBeGreaterThanOrEqual(10);
  expect(tagged('invalid-workflow').length).toBeGreaterThanOrEqual(1);
});

describe.each(tagged('workflow'))('workflow example at $where', ({ block, agents }) => {
  test('is valid', () => {
    expect(check(block.text, agents)).toEqual([]);
  });
});

describe.each(tagged('invalid-workflow'))('invalid workflow example at $where', ({ block, next, agents }) => {
  test('is invalid, with the problems the page shows', () => {
    const problems = check(block.text, agents);
    expect(problems.length).toBeGreaterThan(0);
    if (next?.tag === 'problems') {
      const shown = JSON.parse(next.text) as { error: { code: string; details: Problem[] } };
      expect(shown.error.code).toBe('VALIDATION_FAILED');
      expect(shown.error.details).toEqual(problems.map((p) => ({ path: underWorkflow(p.path), message: p.message })));
    }
  });
});

describe.each(tagged('submit'))('submission example at $where', ({ block, agents }) => {
  test('has a valid workflow and input', () => {
    // A JSON body, or a YAML one (`application/yaml`): parseWorkflow reads both.
    const read = parseWorkflow(block.text);
    const body = (read.ok ? read.definition : {}) as Record<string, unknown>;
    expect(read.ok).toBe(true);
    expect(Object.keys(body).filter((k) => !['workflow', 'input', 'priority'].includes(k))).toEqual([]);
    expect(check(body.workflow, agents)).toEqual([]);
    const parsed = parseWorkflow(body.workflow);
    const schema = parsed.ok ? (parsed.definition as { input?: object }).input : undefined;
    expect(validateInput(schema, body.input ?? {})).toEqual([]);
  });
});

/** A definition: a name and a list of steps (a run as the api shows it has steps but no name). */
function looksLikeWorkflow(value: unknown): boolean {
  const v = value as { name?: unknown; steps?: unknown } | null;
  return typeof v === 'object' && v !== null && typeof v.name === 'string' && Array.isArray(v.steps);
}

/** A definition, or a request body carrying one (as an object or as YAML or JSON text). */
function holdsWorkflow(value: unknown): boolean {
  if (looksLikeWorkflow(value)) return true;
  const inner = (value as { workflow?: unknown } | null)?.workflow;
  if (typeof inner !== 'string') return looksLikeWorkflow(inner);
  const parsed = parseWorkflow(inner);
  return parsed.ok && looksLikeWorkflow(parsed.definition);
}

test('every yaml or json block that holds a workflow is tagged, so that it is checked', () => {
  const untagged = cases.filter(({ block }) => {
    if (block.tag !== undefined || (block.lang !== 'yaml' && block.lang !== 'json')) return false;
    const parsed = parseWorkflow(block.text);
    return parsed.ok && holdsWorkflow(parsed.definition);
  });
  expect(untagged.map((c) => c.where)).toEqual([]);
});
