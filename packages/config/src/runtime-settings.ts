import { z } from 'zod';
import { LOG_LEVELS } from './shared-env';

const NAME = z.string().min(1).max(200).regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'must be letters, digits, ".", "_" or "-", the first a letter or digit');

/**
 * Settings an admin changes at run time (`PATCH /v1/settings`): stored in Postgres, pushed to every
 * process through Redis, applied without a restart. Each one unset falls back to the process's
 * environment variable of the same meaning.
 */
export const runtimeSettingsSchema = z.object({
  /** Requests per minute of a principal without a limit of its own (`BATON_RATE_LIMIT_PER_MINUTE`); 0 = off. */
  rateLimitPerMinute: z.number().int().min(0).max(100_000_000).optional(),
  /** Requests per minute of one API key, by key id: over the key's own `rateLimitPerMinute`. */
  rateLimitsByKey: z.record(z.string().regex(/^[0-9a-f]{16}$/, 'must be an API key id (16 hex digits)'), z.number().int().min(1).max(100_000_000)).optional(),
  /** Jobs of an agent running at once across the fleet (`BATON_AGENT_CONCURRENCY`), by agent. */
  agentConcurrency: z.record(NAME, z.number().int().min(1).max(100_000)).optional(),
  /** Jobs of an agent one worker process runs at once (`WORKER_CONCURRENCY`), by agent. */
  workerConcurrency: z.record(NAME, z.number().int().min(1).max(1000)).optional(),
  /** Finished runs older than this many days are deleted (`BATON_RETENTION_DAYS`); 0 keeps every run. */
  retentionDays: z.number().int().min(0).max(36_500).optional(),
  /** Every process's log level (`LOG_LEVEL`). */
  logLevel: z.enum(LOG_LEVELS).optional(),
}).strict();

export type RuntimeSettings = z.infer<typeof runtimeSettingsSchema>;

/** One problem of a settings patch: where (`workerConcurrency.echo`) and what. */
export interface SettingsProblem {
  path: string;
  message: string;
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** RFC 7386 JSON merge patch: objects merge key by key, `null` removes, anything else replaces. */
function mergePatch(target: unknown, patch: unknown): unknown {
  if (!isObject(patch)) return patch;
  const out: Record<string, unknown> = isObject(target) ? { ...target } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete out[key];
    else out[key] = mergePatch(out[key], value);
  }
  return out;
}

/**
 * The settings after a JSON merge patch (`null` removes a value or an entry), validated whole.
 * @returns the new settings, or every problem (nothing is applied then).
 */
export function patchRuntimeSettings(current: RuntimeSettings, patch: unknown): { settings: RuntimeSettings } | { problems: SettingsProblem[] } {
  if (!isObject(patch)) return { problems: [{ path: '', message: 'a settings patch is a JSON object (RFC 7386 merge patch: null removes a setting)' }] };
  const parsed = runtimeSettingsSchema.safeParse(mergePatch(current, patch));
  if (parsed.success) return { settings: parsed.data };
  return {
    problems: parsed.error.issues.map((issue) => ({
      path: issue.path.map(String).join('.'),
      message: issue.code === z.ZodIssueCode.unrecognized_keys ? `unknown setting: ${issue.keys.join(', ')}` : issue.message,
    })),
  };
}
