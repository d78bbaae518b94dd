// Helpers for agents' unit tests (this package's and a user's own): `@baton/agent-sdk/testing`.
import type { AgentLogger } from './agent';
import type { AgentJob } from './execute-agent';

export interface LogLine {
  level: 'info' | 'warn' | 'error';
  message: string;
  meta?: Record<string, unknown>;
}

export function memoryLogger(lines: LogLine[] = []): AgentLogger & { lines: LogLine[] } {
  return {
    lines,
    info: (message, meta) => void lines.push({ level: 'info', message, meta }),
    warn: (message, meta) => void lines.push({ level: 'warn', message, meta }),
    error: (message, meta) => void lines.push({ level: 'error', message, meta }),
  };
}

export const jobOf = (input: unknown, over: Partial<AgentJob> = {}): AgentJob => ({ input, context: {}, runId: 'run-1', key: 'step', attempt: 1, ...over });

export const live = (): { signal: AbortSignal; logger: AgentLogger } => ({ signal: new AbortController().signal, logger: memoryLogger() });
