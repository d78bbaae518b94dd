import { joinPath, type Problem } from './problem';

/** The agent the engine runs itself: a `wait` step suspends until a signal arrives, holding no worker and no job. */
export const WAIT_AGENT = 'wait';

/** Agents no worker serves (the engine runs them): a workflow may name them though no worker registered them. */
export const ENGINE_AGENTS: ReadonlySet<string> = new Set([WAIT_AGENT]);

/** A signal's name, the `:name` of `POST /v1/runs/:id/signals/:name`. */
export const SIGNAL_NAME = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;

/** The longest a wait may last (`timeoutMs`): 366 days. */
export const MAX_WAIT_MS = 366 * 86_400_000;

/** A `wait` step's input once evaluated. */
export interface WaitInput {
  signal: string;
  /** Without it the step waits until a signal comes or the run is cancelled. */
  timeoutMs?: number;
  /**
   * Given by an agent that hands off to `wait` (never written in a definition): when the signal
   * comes, the step goes back to that agent, its input then carrying `resume: { signal, payload, state }`.
   */
  state?: Record<string, unknown>;
}

/** Step fields that mean nothing to a wait: its timeout is its input's `timeoutMs`, and it neither retries nor hands off. */
const NOT_FOR_WAIT = ['retry', 'timeoutMs', 'handoffs', 'maxHandoffs'] as const;

const isTemplate = (value: unknown): boolean => typeof value === 'string' && value.includes('{{');
const isObject = (value: unknown): value is Record<string, unknown> => value !== null && typeof value === 'object' && !Array.isArray(value);

function signalProblem(signal: unknown): string | undefined {
  if (typeof signal !== 'string') return 'signal must be a string';
  return SIGNAL_NAME.test(signal) ? undefined : 'signal must match [A-Za-z0-9][A-Za-z0-9._:-]{0,127}';
}

function timeoutProblem(timeoutMs: unknown): string | undefined {
  if (timeoutMs === undefined) return undefined;
  if (typeof timeoutMs === 'number' && Number.isInteger(timeoutMs) && timeoutMs >= 1 && timeoutMs <= MAX_WAIT_MS) return undefined;
  return `timeoutMs must be an integer from 1 to ${MAX_WAIT_MS}`;
}

/** The evaluated input of a wait step, or why it is not one. */
export function parseWaitInput(value: unknown): { input: WaitInput } | { problem: string } {
  if (!isObject(value)) return { problem: 'a wait step\'s input must be an object { signal, timeoutMs? }' };
  const extra = Object.keys(value).filter((k) => k !== 'signal' && k !== 'timeoutMs' && k !== 'state');
  const problem = extra.length > 0
    ? `unknown input field ${extra.join(', ')} (a wait takes { signal, timeoutMs? })`
    : (signalProblem(value.signal) ?? timeoutProblem(value.timeoutMs) ?? (value.state === undefined || isObject(value.state) ? undefined : 'state must be an object'));
  if (problem !== undefined) return { problem };
  const input: WaitInput = { signal: value.signal as string };
  if (value.timeoutMs !== undefined) input.timeoutMs = value.timeoutMs as number;
  if (value.state !== undefined) input.state = value.state as Record<string, unknown>;
  return { input };
}

/** The signal a wait step's definition names as written, or undefined when an expression computes it. */
export function literalSignal(input: unknown): string | undefined {
  if (!isObject(input) || isTemplate(input.signal)) return undefined;
  return input.signal as string;
}

/**
 * What is wrong with a `wait` step as written: fields that do not apply, and an input that can never
 * be valid. An expression anywhere in its input is checked when it is evaluated.
 */
export function waitStepProblems(step: Record<string, unknown>, at: string): Problem[] {
  const problems: Problem[] = NOT_FOR_WAIT.filter((key) => step[key] !== undefined).map((key) => ({
    path: `${at}.${key}`,
    message: key === 'timeoutMs' ? 'a wait step takes its timeout in input.timeoutMs' : `${key} does not apply to a wait step`,
  }));
  const { input } = step;
  if (isTemplate(input)) return problems;
  if (!isObject(input)) return [...problems, { path: `${at}.input`, message: 'a wait step needs input { signal, timeoutMs? }' }];
  for (const key of Object.keys(input)) {
    if (key !== 'signal' && key !== 'timeoutMs') problems.push({ path: joinPath(`${at}.input`, key), message: 'a wait takes { signal, timeoutMs? }' });
  }
  const signal = input.signal === undefined ? 'a wait step needs input.signal' : isTemplate(input.signal) ? undefined : signalProblem(input.signal);
  if (signal !== undefined) problems.push({ path: `${at}.input.signal`, message: signal });
  const timeout = isTemplate(input.timeoutMs) ? undefined : timeoutProblem(input.timeoutMs);
  if (timeout !== undefined) problems.push({ path: `${at}.input.timeoutMs`, message: timeout });
  return problems;
}
