export type { ErrorCode } from './error-code';
export { BatonError, type ErrorDetail } from './baton-error';
export { HTTP_STATUS_BY_CODE, httpStatusOf, isErrorCode } from './http-status';
export { noopLogger, type Logger, type LogMeta } from './logger';
export { noopTracer, type Span, type SpanAttributes, type SpanKind, type StartSpanOptions, type Tracer } from './tracer';
export { noopMeter, type Counter, type Gauge, type Histogram, type HistogramOptions, type InstrumentOptions, type Meter, type MetricLabels } from './meter';
export { Resources } from './resources';
export { ReadThroughCache, type ReadThroughCacheOptions } from './read-through-cache';
