import { z } from 'zod';
import { emptyAsUnset } from './env-var';

/** The variables of tracing and logs, part of the shared schema: both processes read them alike. */
export const observabilityVars = {
  // Tracing is on when this is set: spans go there over OTLP/HTTP (JSON), to `<url>/v1/traces`.
  OTEL_EXPORTER_OTLP_ENDPOINT: z.preprocess(
    emptyAsUnset,
    z.string().refine((value) => {
      try {
        return ['http:', 'https:'].includes(new URL(value).protocol);
      } catch {
        return false;
      }
    }, 'must be a URL starting with http:// or https://').optional(),
  ),
  OTEL_SERVICE_NAME: z.preprocess(emptyAsUnset, z.string().max(200, 'must be at most 200 characters').optional()),
  LOG_FORMAT: z.preprocess(emptyAsUnset, z.enum(['json', 'pretty'], { message: 'must be one of json, pretty' }).optional()),
};

const observabilitySchema = z.object(observabilityVars);

/** Where this process sends its spans; undefined when tracing is off. */
export interface TracingConfig {
  /** `OTEL_EXPORTER_OTLP_ENDPOINT`: the OTLP/HTTP collector's base URL. */
  endpoint: string;
  /** `OTEL_SERVICE_NAME`; the process's own name (`baton-api`, `baton-worker`) when unset. */
  serviceName?: string;
}

/** The settings of tracing and logs. */
export interface ObservabilityConfig {
  /** Tracing, when `OTEL_EXPORTER_OTLP_ENDPOINT` is set. @defaultValue undefined: off */
  tracing?: TracingConfig;
  /** `LOG_FORMAT`: `json` lines or `pretty` text. @defaultValue pretty on a terminal, else json */
  logFormat?: 'json' | 'pretty';
}

/** The typed settings, from the parsed variables. */
export function observabilityOf(env: z.output<typeof observabilitySchema>): ObservabilityConfig {
  const tracing = env.OTEL_EXPORTER_OTLP_ENDPOINT === undefined ? undefined : { endpoint: env.OTEL_EXPORTER_OTLP_ENDPOINT, serviceName: env.OTEL_SERVICE_NAME };
  return { tracing, logFormat: env.LOG_FORMAT };
}

/**
 * The tracing settings alone, for the module that starts tracing before anything else loads (each
 * app's `tracing.ts`). Undefined when off, and when a variable is bad: the app's full
 * configuration then refuses to start, naming it.
 */
export function tracingConfigOf(env: Record<string, string | undefined>): TracingConfig | undefined {
  const parsed = observabilitySchema.safeParse(env);
  return parsed.success ? observabilityOf(parsed.data).tracing : undefined;
}
