import * as httpModule from 'node:http';
import { context, propagation, trace } from '@opentelemetry/api';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { useOtelTracer } from './tracing';

export type { ReadableSpan } from '@opentelemetry/sdk-trace-base';

/** Spans kept in memory, for tests; `stop` unregisters the provider. */
export interface MemoryTracing {
  spans(): ReadableSpan[];
  stop(): Promise<void>;
}

/**
 * Registers a tracer provider that keeps every finished span in memory, with the context manager
 * (AsyncLocalStorage) and W3C propagator the SDK sets, and makes `processTracer()` answer
 * OpenTelemetry's tracer. `http`: incoming requests get server spans too.
 */
export function startMemoryTracing(options: { http?: boolean } = {}): MemoryTracing {
  const exporter = new InMemorySpanExporter();
  const provider = new NodeTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  provider.register();
  // Incoming requests as server spans, as `startTracing` has them (http is patched where it is loaded).
  // The SDK's instrumentation patches http as it loads; here it has loaded, and jest's module
  // registry hides later loads from the hook: patched directly.
  const http = options.http ? new HttpInstrumentation({ enabled: false }).getModuleDefinitions().find((d) => d.name === 'http') : undefined;
  http?.patch?.(httpModule);
  useOtelTracer(true);
  return {
    spans: () => exporter.getFinishedSpans(),
    async stop() {
      http?.unpatch?.(httpModule);
      useOtelTracer(false);
      await provider.shutdown();
      trace.disable();
      context.disable();
      propagation.disable();
    },
  };
}
