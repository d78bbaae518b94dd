import type { Scope, StepDefinition } from '@baton/workflow';
import { setOwn } from './own-keys';
import type { RunDraft } from './run-draft';
import { FINAL_STEP_STATUSES, isPayloadRef, type StepState } from './types';

type StepView = { output?: unknown; status: string; error?: unknown };

function view(entry: StepState, payloads: ReadonlyMap<string, unknown> | undefined): StepView {
  const out: StepView = { status: entry.status };
  const output = entry.output;
  if (output !== undefined) out.output = isPayloadRef(output) && payloads?.has(output.$batonPayload) ? payloads.get(output.$batonPayload) : output;
  if (entry.error !== undefined) out.error = entry.error;
  return out;
}

/**
 * `$steps`: the top-level steps that are final, built on access. A run of a thousand steps
 * evaluates a thousand templates; building the whole record for each would cost a million entries.
 */
export function stepsView(draft: RunDraft): Record<string, StepView> {
  const finalEntry = (key: string | symbol): StepState | undefined => {
    if (typeof key !== 'string' || !draft.workflow.steps.has(key)) return undefined;
    const entry = draft.entry(key);
    return FINAL_STEP_STATUSES.has(entry.status) ? entry : undefined;
  };
  return new Proxy({} as Record<string, StepView>, {
    get: (_target, key) => {
      const entry = finalEntry(key);
      return entry && view(entry, draft.payloads);
    },
    has: (_target, key) => finalEntry(key) !== undefined,
    ownKeys: () => [...draft.workflow.steps.keys()].filter((id) => finalEntry(id)),
    getOwnPropertyDescriptor: (_target, key) => {
      const entry = finalEntry(key);
      return entry && { value: view(entry, draft.payloads), writable: false, enumerable: true, configurable: true };
    },
  });
}

/** The part of the run's context a step may see: all of it unless `contextAccess.read` lists keys. */
export function readableContext(context: Record<string, unknown>, def: StepDefinition): Record<string, unknown> {
  const keys = def.contextAccess?.read;
  if (!keys) return context;
  const out: Record<string, unknown> = {};
  for (const key of keys) if (Object.hasOwn(context, key)) setOwn(out, key, context[key]);
  return out;
}

/** What a step's `input`, `when` and `forEach` see (a forEach child adds `$item` and `$index`). */
export function stepScope(draft: RunDraft, def: StepDefinition): Scope {
  return {
    input: draft.run('input'),
    steps: stepsView(draft),
    context: readableContext(draft.run('context'), def),
    run: { id: draft.base.id },
    clock: draft.now,
  };
}

/** What the run's `output` sees: every step (all final by then) and the whole context. */
export function runScope(draft: RunDraft): Scope {
  return { input: draft.run('input'), steps: stepsView(draft), context: draft.run('context'), run: { id: draft.base.id }, clock: draft.now };
}

/** JSONata's `$boolean`: false, null, undefined, 0, '', an empty array or object, or an array of falsy values are false. */
export function truthy(value: unknown): boolean {
  if (Array.isArray(value)) return value.some(truthy);
  if (value !== null && typeof value === 'object') return Object.keys(value).length > 0;
  return Boolean(value);
}
