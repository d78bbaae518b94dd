import { z } from 'zod';

/** Limits from WORKFLOWS.md; validation reports a problem for each value outside them. */
export const WORKFLOW_NAME = /^[a-z0-9][a-z0-9._-]{0,63}$/;
export const STEP_ID = /^[a-z0-9_-]{1,64}$/;
/**
 * Ids that every JavaScript object answers to (`obj['constructor']`, the `__proto__` accessor):
 * a step so named would be read or written as a prototype member wherever steps are keyed by id.
 */
export const RESERVED_STEP_IDS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);
export const AGENT_NAME = /^[a-z0-9][a-z0-9._-]{0,63}$/;
export const MAX_STEPS = 1000;
export const DEFAULT_MAX_HANDOFFS = 8;

const backoffSchema = z
  .object({
    type: z.enum(['fixed', 'exponential']).default('fixed'),
    delayMs: z.number().int().min(0).max(86_400_000).default(0),
    maxDelayMs: z.number().int().min(0).max(86_400_000).optional(),
  })
  .strict();

const retrySchema = z
  .object({
    /** Counts every try, the first included. */
    attempts: z.number().int().min(1).max(100).default(1),
    backoff: backoffSchema.optional(),
  })
  .strict();

const contextAccessSchema = z
  .object({ read: z.array(z.string().min(1)).optional(), write: z.array(z.string().min(1)).optional() })
  .strict();

export const stepSchema = z
  .object({
    id: z
      .string()
      .regex(STEP_ID, 'must match [a-z0-9_-]{1,64}')
      .refine((id) => !RESERVED_STEP_IDS.has(id), (id) => ({ message: `'${id}' is reserved: choose another step id` })),
    agent: z.string().regex(AGENT_NAME, 'must match [a-z0-9][a-z0-9._-]{0,63}').optional(),
    workflow: z.string().regex(WORKFLOW_NAME, 'must match [a-z0-9][a-z0-9._-]{0,63}').optional(),
    version: z.number().int().min(1).optional(),
    input: z.unknown().optional(),
    needs: z.array(z.string()).default([]),
    when: z.string().optional(),
    forEach: z.string().optional(),
    concurrency: z.number().int().min(1).max(10_000).optional(),
    retry: retrySchema.optional(),
    timeoutMs: z.number().int().min(1).max(7 * 86_400_000).optional(),
    /** 1..10, 10 most urgent: this step's jobs instead of the run's priority. */
    priority: z.number().int().min(1).max(10).optional(),
    onFailure: z.enum(['fail', 'continue']).default('fail'),
    handoffs: z.array(z.string().regex(AGENT_NAME, 'must match [a-z0-9][a-z0-9._-]{0,63}')).optional(),
    maxHandoffs: z.number().int().min(0).max(100).optional(),
    contextAccess: contextAccessSchema.optional(),
  })
  .strict();

/** Shares of a fair-share pool, by tenant or by key value: a weight of 3 admits 3 runs for 1 of weight 1. */
const weightTableSchema = z
  .record(z.string().min(1).max(1000), z.number().int().min(1).max(1000))
  .refine((table) => Object.keys(table).length <= 1000, 'at most 1000 weights');

/**
 * At most `limit` runs of this workflow per tenant and per value of `key` (a `{{ … }}` template
 * over `$input`) hold a slot at once; the others wait in `queued` and start in submission order.
 * With `total`, the runs of this workflow's name hold at most `total` slots together (every key,
 * every tenant), and waiting runs are admitted in weighted round-robin over (tenant, key) by `weights`.
 */
const runConcurrencySchema = z
  .object({
    key: z.string().min(1).max(1000),
    limit: z.number().int().min(1).max(10_000),
    total: z.number().int().min(1).max(100_000).optional(),
    weights: z.object({ tenants: weightTableSchema.optional(), keys: weightTableSchema.optional() }).strict().optional(),
  })
  .strict();

/** The most tokens a run's budget may name: past `Number.MAX_SAFE_INTEGER` sums would lose precision. */
const MAX_BUDGET_TOKENS = 1_000_000_000_000;

/**
 * What a run may spend. `tokens`: the model tokens (prompt and completion) its steps may use in
 * all; once they are spent, the next step that spends tokens (the `llm` agent) fails with
 * `BUDGET_EXHAUSTED` instead of calling the model.
 */
const budgetSchema = z.object({ tokens: z.number().int().min(1).max(MAX_BUDGET_TOKENS) }).strict();

/** An event type of `POST /v1/events` and a template's `on`. */
export const EVENT_TYPE = /^[A-Za-z0-9][A-Za-z0-9._:/-]{0,127}$/;

/** A template's `schedule`: the cron syntax and the time zone are checked by `scheduleProblems`. */
export const scheduleSchema = z
  .object({
    /** Five fields (minute precision) or six (a leading seconds field), as BullMQ's cron-parser reads them. */
    cron: z.string().min(1).max(200),
    /** An IANA time zone, e.g. `Europe/Paris`. @defaultValue UTC */
    timezone: z.string().min(1).max(100).optional(),
    /** The input of each scheduled run (checked against the template's input schema, defaults applied). */
    input: z.unknown().optional(),
  })
  .strict();

export const workflowSchema = z
  .object({
    name: z.string().regex(WORKFLOW_NAME, 'must match [a-z0-9][a-z0-9._-]{0,63}'),
    description: z.string().max(2000).optional(),
    concurrency: runConcurrencySchema.optional(),
    budget: budgetSchema.optional(),
    /** A JSON Schema for the run's input. */
    input: z.record(z.unknown()).optional(),
    steps: z.array(stepSchema).min(1, 'a workflow needs at least one step').max(MAX_STEPS, `at most ${MAX_STEPS} steps`),
    output: z.unknown().optional(),
    /** Runs of this template by the clock (a stored template only). */
    schedule: scheduleSchema.optional(),
    /** Event types (`POST /v1/events`) that start a run of this template, the event's payload as its input. */
    on: z.array(z.string().regex(EVENT_TYPE, 'must match [A-Za-z0-9][A-Za-z0-9._:/-]{0,127}')).max(100).optional(),
  })
  .strict();

export type WorkflowDefinition = z.infer<typeof workflowSchema>;
export type StepDefinition = z.infer<typeof stepSchema>;
export type ScheduleDefinition = z.infer<typeof scheduleSchema>;
/** What a client writes, before defaults are applied. */
export type WorkflowInput = z.input<typeof workflowSchema>;
