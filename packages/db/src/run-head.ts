import type { RunRow } from './schema';

/** The columns a state transition reads and writes: everything but the (large) definition. */
export type RunHead = Omit<RunRow, 'definition'>;

/** The columns of a {@link RunHead}, for `select`. */
export const RUN_HEAD_COLUMNS = [
  'id', 'tenant', 'status', 'workflow_name', 'template', 'template_version', 'definition_hash', 'input', 'output', 'error',
  'context', 'priority', 'version', 'event_seq', 'submitted_by', 'created_at', 'started_at', 'finished_at', 'used_bytes',
  'allowed_agents', 'traceparent', 'signals', 'usage', 'paused_by', 'forked_from', 'forked_from_step',
] as const satisfies ReadonlyArray<keyof RunHead>;
