import { context, propagation, trace } from '@opentelemetry/api';
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
 * OpenTelemetry's tracer.
 */
export function startMemoryTracing(): MemoryTracing {
  const exporter = new InMemorySpanExporter();
  const provider = new NodeTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  provider.register();
  useOtelTracer(true);
  return {
    spans: () => exporter.getFinishedSpans(),
    async stop() {
      useOtelTracer(false);
      await provider.shutdown();
      trace.disable();
      context.disable();
      propagation.disable();
    },
  };
}
