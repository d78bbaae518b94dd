import { createHash, randomBytes } from 'node:crypto';

/** One W3C trace context (https://www.w3.org/TR/trace-context/#traceparent-header). */
export interface TraceContext {
  /** 32 lower-case hex digits, not all zero. */
  traceId: string;
  /** The id of the span this context points at (the parent, to whoever receives it): 16 hex digits, not all zero. */
  spanId: string;
  /** 2 hex digits; `01` is sampled. */
  flags: string;
}

const HEADER = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/;
const ZERO_TRACE = '0'.repeat(32);
const ZERO_SPAN = '0'.repeat(16);
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * A `traceparent` header value as a context; undefined when malformed (as the W3C rules say: a
 * receiver that cannot parse one starts a new trace). Versions after `00` are read by their first
 * four fields; `ff` and all-zero ids are refused.
 */
export function parseTraceparent(value: unknown): TraceContext | undefined {
  if (typeof value !== 'string' || value.length > 512) return undefined;
  const match = HEADER.exec(value.trim());
  if (!match) return undefined;
  const [, version, traceId, spanId, flags, rest] = match as unknown as [string, string, string, string, string, string | undefined];
  if (version === 'ff' || (version === '00' && rest !== undefined)) return undefined;
  if (traceId === ZERO_TRACE || spanId === ZERO_SPAN) return undefined;
  return { traceId, spanId, flags };
}

export function formatTraceparent(context: TraceContext): string {
  return `00-${context.traceId}-${context.spanId}-${context.flags}`;
}

const hex = (text: string, digits: number): string => {
  const hash = createHash('sha256').update(text).digest('hex').slice(0, digits);
  // All zero is invalid; a hash this short is all zero about once in 2^64 tries.
  return /^0+$/.test(hash) ? `${hash.slice(0, -1)}1` : hash;
};

/**
 * The trace of a run that no request gave one: the run id's 32 hex digits (run ids are UUIDs), so
 * that every process finds the same trace for the same run without storing it.
 */
export function runTraceId(runId: string): string {
  const lower = runId.toLowerCase();
  return UUID.test(lower) && lower !== '00000000-0000-0000-0000-000000000000' ? lower.replace(/-/g, '') : hex(`run|${runId}`, 32);
}

// This process's span ids: a random prefix and a counter (one per step execution, so a few
// thousand a second: a hash or random bytes each would cost more than the rest of the bookkeeping).
const PROCESS_SPANS = randomBytes(4).toString('hex');
let spans = 0;

/** A new span id: this process's random 32-bit prefix, then a counter. */
export function newSpanId(): string {
  spans = (spans + 1) >>> 0 || 1;
  return `${PROCESS_SPANS}${spans.toString(16).padStart(8, '0')}`;
}

/**
 * The context a run's first steps get when their submission carried none: the run's trace, and a
 * span standing for the run itself (the first half of its trace id), the same in every process.
 */
export function runTraceparent(runId: string): string {
  const traceId = runTraceId(runId);
  return formatTraceparent({ traceId, spanId: /^0+$/.test(traceId.slice(0, 16)) ? hex(`run|${runId}`, 16) : traceId.slice(0, 16), flags: '01' });
}
