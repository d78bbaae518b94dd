export { createLogger, defaultLogFormat, followLogLevel, type CreateLoggerOptions, type LogFormat, type Logger } from './logger';
export { redact, redactText, REDACTED } from './redact';
export { OtelTracer, activeTraceparent, nameRequestSpan } from './otel-tracer';
export { processTracer, startTracing, stopTracing, useOtelTracer, type TracingOptions } from './tracing';
export { createMetrics, type Metrics, type MetricsOptions } from './metrics';
export { FleetSeries, flushEvery, type FleetStore } from './fleet-series';
export { PrometheusMeter, type MetricsExposition } from './prometheus-meter';
