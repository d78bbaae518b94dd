import { runtimeSettingsSchema } from '@baton/config';
import { z } from './zod';
import type {
  ApiKeySummary, BulkOperationView, SettingsView, RunEventView, RunHistory, RunPage, RunSummary, RunView, ScheduleView, SecretSummary, Stats, StepView, TemplateDiff, TemplatePage, TemplateView,
} from '@baton/runtime';

// What the api answers, described for the OpenAPI document. Each schema `satisfies` the type the
// use case returns, so a field whose type changes there fails the build here.

const DATE_TIME = z.string().datetime({ offset: true });
const json = (description: string) => z.unknown().describe(description);

export const ErrorAnswer = z.object({
  error: z.object({
    code: z.string().describe('machine code, e.g. VALIDATION_FAILED, RUN_NOT_FOUND'),
    message: z.string().describe('for people'),
    details: z.array(z.object({ path: z.string(), message: z.string() })).optional().describe('every problem of a 400, with where'),
  }),
}).openapi('Error');

export const RunSubmitted = z.object({
  id: z.string(),
  status: z.string(),
  links: z.object({ self: z.string(), events: z.string() }),
}).openapi('RunSubmitted');

export const BatchSubmitted = z.object({
  items: z.array(z.union([
    z.object({ id: z.string(), status: z.string(), created: z.boolean().describe('false when its idempotency key answered an earlier run') }),
    ErrorAnswer,
  ])).describe('one per run, in the order sent: the run, or the error that refused it alone (paths under `runs[i]`)'),
}).openapi('BatchSubmitted');

const TokenUsageAnswer = z.object({
  promptTokens: z.number().int(),
  completionTokens: z.number().int(),
  totalTokens: z.number().int(),
}).describe('the model tokens spent, every attempt included (absent: none reported)').openapi('TokenUsage');

const AttemptLogEntry = z.object({
  attempt: z.number().int(),
  worker: z.string().optional(),
  startedAt: DATE_TIME.optional(),
  finishedAt: DATE_TIME.optional(),
  error: json('why the attempt failed').optional(),
});

export const StepAnswer = z.object({
  id: z.string().describe("the step's id in the definition"),
  key: z.string().describe('identifies the execution: the id, `each[3]` for a forEach item, `a>handoff:1` for a hand-off hop'),
  status: z.string(),
  agent: z.string().optional(),
  attempts: z.number().int(),
  attemptLog: z.array(AttemptLogEntry).optional(),
  output: json('the step\'s output, or `{ "$ref": "/v1/payloads/<id>" }` past the response budget').optional(),
  error: json('why the step failed').optional(),
  reason: z.string().optional(),
  startedAt: DATE_TIME.optional(),
  finishedAt: DATE_TIME.optional(),
  waitingFor: z.object({ agent: z.string(), reason: z.string() }).optional(),
  waitingForSignal: z.object({ signal: z.string(), timeoutAt: DATE_TIME.optional() }).optional(),
  childRunId: z.string().optional(),
  usage: TokenUsageAnswer.optional(),
}).openapi('Step') satisfies z.ZodType<StepView>;

export const StepDetailAnswer = StepAnswer.omit({ attemptLog: true }).extend({
  input: json('the evaluated input of its latest attempt (a secret as its `«secret:NAME»` marker); absent before it was queued').optional(),
}).openapi('StepDetail');

export const RunDefinitionAnswer = z.object({
  id: z.string(),
  workflow: z.string().describe("the definition's name"),
  template: z.string().optional(),
  version: z.number().int().optional(),
  definition: z.record(z.unknown()).describe('the workflow definition the run recorded (docs/workflows.md)'),
}).openapi('RunDefinition');

export const RunAnswer = z.object({
  id: z.string(),
  status: z.string().describe('queued, running, paused, succeeded, failed or cancelled'),
  template: z.string().optional(),
  version: z.number().int().optional(),
  workflow: z.string().describe("the definition's name"),
  input: json('the run\'s input'),
  output: json('the run\'s output').optional(),
  error: json('why the run failed').optional(),
  createdAt: DATE_TIME,
  startedAt: DATE_TIME.optional(),
  finishedAt: DATE_TIME.optional(),
  parentRunId: z.string().optional(),
  parentStepKey: z.string().optional(),
  usage: TokenUsageAnswer.optional(),
  forkedFrom: z.object({ id: z.string(), step: z.string().describe('the step it re-ran from'), links: z.object({ self: z.string() }) })
    .optional().describe("a fork's origin"),
  pausedBy: z.string().optional().describe('who paused a paused run: a principal\'s subject, or `template:<name>`'),
  steps: z.array(StepAnswer),
}).openapi('Run') satisfies z.ZodType<Omit<RunView, 'input'>>; // zod infers `unknown` fields optional

export const RunSummaryAnswer = z.object({
  id: z.string(),
  status: z.string(),
  workflow: z.string(),
  template: z.string().optional(),
  version: z.number().int().optional(),
  createdAt: DATE_TIME,
  startedAt: DATE_TIME.optional(),
  finishedAt: DATE_TIME.optional(),
}).openapi('RunSummary') satisfies z.ZodType<RunSummary>;

export const RunPageAnswer = z.object({
  items: z.array(RunSummaryAnswer),
  nextCursor: z.string().optional().describe('pass as `cursor` for the next page; absent on the last'),
}).openapi('RunPage') satisfies z.ZodType<RunPage>;

export const RunEventAnswer = z.object({
  seq: z.number().int().describe("the event's sequence number in the run (the SSE `id:`)"),
  type: z.string().describe('run.started, step.started, step.succeeded, run.succeeded, …'),
  at: DATE_TIME,
  key: z.string().optional().describe("the step entry's key, for step events"),
  attempt: z.number().int().optional(),
  data: z.record(z.unknown()).optional(),
}).openapi('RunEvent') satisfies z.ZodType<RunEventView>;

export const RunHistoryAnswer = z.object({
  items: z.array(RunEventAnswer),
  nextCursor: z.number().int().optional().describe('pass as `after` for the next page; absent on the last'),
}).openapi('RunHistory') satisfies z.ZodType<RunHistory>;

export const RunChanged = z.object({ id: z.string(), status: z.string().describe("the run's status after the change") }).openapi('RunChanged');
export const TemplatePaused = z.object({ name: z.string(), paused: z.literal(true) }).openapi('TemplatePaused');
export const TemplateResumed = z.object({
  name: z.string(),
  paused: z.literal(false),
  resumedRuns: z.number().int().describe('the runs its pause held, resumed now'),
}).openapi('TemplateResumed');
export const AgentPaused = z.object({ name: z.string(), paused: z.literal(true) }).openapi('AgentPaused');
export const AgentResumed = z.object({ name: z.string(), paused: z.literal(false) }).openapi('AgentResumed');
export const BulkOperationStarted = z.object({ id: z.string() }).openapi('BulkOperationStarted');
export const BulkOperationAnswer = z.object({
  id: z.string(),
  action: z.enum(['cancel', 'retry', 'pause', 'resume']),
  status: z.enum(['running', 'succeeded']),
  filter: z.object({
    status: z.array(z.string()).optional(),
    workflow: z.string().optional(),
    template: z.string().optional(),
    createdAfter: z.string().optional(),
    createdBefore: z.string().optional(),
  }).describe('the filter as given'),
  matched: z.number().int().describe('runs matched when created; done + failed once succeeded'),
  done: z.number().int(),
  failed: z.number().int().describe('runs the action no longer fitted when their turn came'),
  createdBy: z.string(),
  createdAt: z.string(),
  finishedAt: z.string().optional(),
}).openapi('BulkOperation') satisfies z.ZodType<BulkOperationView>;
export const SignalSent = z.object({ id: z.string(), signal: z.string() }).openapi('SignalSent');
export const Valid = z.object({ valid: z.literal(true) });
export const EventPosted = z.object({ runs: z.array(z.string()).describe('the runs started, one per template whose `on` lists the type') }).openapi('EventPosted');

export const AgentsAnswer = z.object({
  items: z.array(z.object({
    name: z.string(),
    description: z.string().optional(),
    workers: z.number().int().describe('live workers serving the agent'),
    lastSeenAt: DATE_TIME.nullable(),
    paused: z.object({
      by: z.string().describe('a principal\'s subject, or `auto` (the failure-rate trip)'),
      reason: z.string().optional(),
      at: DATE_TIME,
    }).optional().describe('present while the agent is paused fleet-wide'),
  })),
}).openapi('AgentList');

export const SettingsAnswer = z.object({
  settings: runtimeSettingsSchema,
  version: z.number().int().describe('0 before the first change'),
  updatedBy: z.string().optional().describe('who changed them last (a principal subject)'),
  updatedAt: DATE_TIME.optional(),
}).openapi('Settings') satisfies z.ZodType<SettingsView>;

export const SecretsAnswer = z.object({
  items: z.array(z.object({ name: z.string(), allowedAgents: z.array(z.string()).nullable(), createdAt: DATE_TIME, updatedAt: DATE_TIME })),
}).openapi('SecretList') satisfies z.ZodType<{ items: SecretSummary[] }>;

export const ApiKeyAnswer = z.object({
  id: z.string(),
  name: z.string(),
  role: z.string(),
  tenant: z.string(),
  agents: z.array(z.string()).nullable(),
  rateLimitPerMinute: z.number().int().nullable(),
  expiresAt: DATE_TIME.nullable(),
  createdAt: DATE_TIME,
  createdBy: z.string(),
}).openapi('ApiKey') satisfies z.ZodType<ApiKeySummary>;

export const ApiKeyCreated = ApiKeyAnswer.extend({ key: z.string().describe('the secret key: shown this once, stored only as a hash') }).openapi('ApiKeyCreated');
export const ApiKeysAnswer = z.object({ items: z.array(ApiKeyAnswer) }).openapi('ApiKeyList');

const Percentiles = z.object({ p50: z.number().nullable(), p95: z.number().nullable(), p99: z.number().nullable() });
const StatsGroup = z.object({
  count: z.number().int(),
  successRate: z.number().nullable(),
  throughputPerMinute: z.number(),
  durationMs: Percentiles,
  queueWaitMs: Percentiles,
});
export const StatsAnswer = z.object({
  window: z.string(),
  since: DATE_TIME,
  until: DATE_TIME,
  agents: z.array(StatsGroup.extend({ agent: z.string() })),
  templates: z.array(StatsGroup.extend({ template: z.string(), kind: z.enum(['template', 'workflow']) })),
}).openapi('Stats') satisfies z.ZodType<Stats>;

export const TemplatePut = z.object({ name: z.string(), version: z.number().int() }).openapi('TemplatePut');
export const TemplatePageAnswer = z.object({
  items: z.array(z.object({ name: z.string(), latestVersion: z.number().int(), description: z.string().nullable() })),
  nextCursor: z.string().optional(),
}).openapi('TemplatePage') satisfies z.ZodType<TemplatePage>;
export const TemplateAnswer = z.object({
  name: z.string(),
  version: z.number().int(),
  description: z.string().optional(),
  definition: json('the workflow definition as it was put'),
  createdAt: DATE_TIME,
  createdBy: z.string().optional(),
  paused: z.object({ by: z.string().describe("a principal's subject"), at: DATE_TIME })
    .optional().describe('present while the template is paused: its new runs are admitted paused'),
}).openapi('Template') satisfies z.ZodType<Omit<TemplateView, 'definition'>>;
const JsonChangeAnswer = z.discriminatedUnion('op', [
  z.object({ op: z.literal('added'), path: z.string(), value: z.unknown() }),
  z.object({ op: z.literal('removed'), path: z.string(), value: z.unknown() }),
  z.object({ op: z.literal('changed'), path: z.string(), from: z.unknown(), to: z.unknown() }),
]);
export const TemplateDiffAnswer = z.object({
  name: z.string(),
  from: z.number().int(),
  to: z.number().int(),
  changes: z.array(JsonChangeAnswer),
}).openapi('TemplateDiff') satisfies z.ZodType<Omit<TemplateDiff, 'changes'>>;

export const SchedulesAnswer = z.object({
  items: z.array(z.object({
    template: z.string(),
    version: z.number().int(),
    cron: z.string(),
    timezone: z.string(),
    input: z.unknown().optional(),
    nextFireAt: DATE_TIME.optional(),
  })),
}).openapi('ScheduleList') satisfies z.ZodType<{ items: ScheduleView[] }>;

const Check = z.object({ ok: z.boolean(), latencyMs: z.number(), reason: z.string().optional() });
export const Ready = z.object({ status: z.literal('ready'), checks: z.record(Check) });
export const NotReady = z.object({ status: z.literal('unavailable'), checks: z.record(Check) }).merge(ErrorAnswer);
export const Alive = z.object({ status: z.literal('ok') });
