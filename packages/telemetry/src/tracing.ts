import { noopTracer, type Tracer } from '@baton/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { IORedisInstrumentation } from '@opentelemetry/instrumentation-ioredis';
import { PgInstrumentation } from '@opentelemetry/instrumentation-pg';
import { UndiciInstrumentation } from '@opentelemetry/instrumentation-undici';
import { NodeSDK } from '@opentelemetry/sdk-node';
import { OtelTracer } from './otel-tracer';

/** Where spans go: OTLP over HTTP (JSON), as `OTEL_EXPORTER_OTLP_ENDPOINT` and `OTEL_SERVICE_NAME` say. */
export interface TracingOptions {
  /** The collector's base URL (`http://collector:4318`); spans are posted to `<endpoint>/v1/traces`. */
  endpoint: string;
  serviceName: string;
}

/** Probes and scrapes would be most of the traces, and none of them is a run's. */
const UNTRACED_PATHS = new Set(['/healthz', '/readyz', '/metrics']);

let sdk: NodeSDK | undefined;
let tracing: Tracer | undefined;

/**
 * Starts the OpenTelemetry SDK: the tracer provider, OTLP/HTTP JSON export in batches, and the
 * instrumentations of HTTP (incoming requests, an agent's outgoing calls), undici (`fetch`),
 * Postgres and ioredis. Postgres and Redis calls are traced only inside a trace: BullMQ's own
 * polling would otherwise be most of the spans.
 *
 * Call it before `pg`, `ioredis` or `express` are first required (each app's `tracing.ts`, the
 * first import of its `main.ts`): the instrumentations patch modules as they load. Idempotent.
 */
export function startTracing(options: TracingOptions): void {
  if (sdk) return;
  sdk = new NodeSDK({
    serviceName: options.serviceName,
    traceExporter: new OTLPTraceExporter({ url: `${options.endpoint.replace(/\/+$/, '')}/v1/traces` }),
    // Traces only: metrics are Prometheus's (`/metrics`) and logs go to stdout.
    metricReaders: [],
    logRecordProcessors: [],
    instrumentations: [
      new HttpInstrumentation({ ignoreIncomingRequestHook: (req) => UNTRACED_PATHS.has((req.url ?? '').split('?')[0]!) }),
      new UndiciInstrumentation(),
      new PgInstrumentation({ requireParentSpan: true }),
      new IORedisInstrumentation({ requireParentSpan: true }),
    ],
  });
  sdk.start();
  tracing = new OtelTracer();
}

/** Sends the spans still buffered and stops the SDK (at shutdown). Resolves at once when tracing is off. */
export async function stopTracing(): Promise<void> {
  const stopping = sdk;
  sdk = undefined;
  tracing = undefined;
  await stopping?.shutdown();
}

/**
 * The tracer of this process: OpenTelemetry's when `startTracing` ran (or a test registered a
 * provider with `useOtelTracer`), else the no-op one, so that tracing off costs no span objects.
 */
export function processTracer(): Tracer {
  return tracing ?? noopTracer;
}

/** Makes `processTracer` answer the OpenTelemetry tracer: for a test that registered its own provider. */
export function useOtelTracer(on = true): void {
  tracing = on ? new OtelTracer() : undefined;
}
