// The first import of main.ts, as in the api and the worker: OpenTelemetry's instrumentations patch
// http, pg and ioredis as they are first required, so tracing starts before anything else loads
// them. Off unless OTEL_EXPORTER_OTLP_ENDPOINT is set; a bad value is reported by the config.
import { tracingConfigOf } from '@baton/config';
import { startTracing } from '@baton/telemetry';

const tracing = tracingConfigOf(process.env);
if (tracing) startTracing({ endpoint: tracing.endpoint, serviceName: tracing.serviceName ?? 'baton-dev' });
