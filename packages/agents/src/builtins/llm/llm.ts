import { setTimeout as sleep } from 'node:timers/promises';
import { AGENT_NAME } from '@baton/workflow';
import { Agent as Dispatcher, request } from 'undici';
import { z } from 'zod';
import { defineAgent, NonRetryableError, type AgentContext } from '@baton/agent-sdk';
import { CompletionStream, malformed, parseCompletion, type Completion } from './chat-completion';

const MiB = 1024 * 1024;
const MAX_TIMER_MS = 2_147_483_647;
/** The longest wait between two tries, whatever `Retry-After` asks. */
const MAX_BACKOFF_MS = 30_000;

const httpUrl = z.string().refine((value) => {
  try {
    return ['http:', 'https:'].includes(new URL(value).protocol);
  } catch {
    return false;
  }
}, 'must be an http:// or https:// URL');

/** The `llm` agent's config: `BATON_LLM_*` in a worker's environment, or its `BATON_AGENT_CONFIG.llm` entry. */
export const llmConfigSchema = z
  .object({
    /** The OpenAI-compatible API's base URL (`https://api.openai.com/v1`): requests go to `<baseUrl>/chat/completions`. Unset: every step fails (LLM_NOT_CONFIGURED). */
    baseUrl: httpUrl.optional(),
    /** Sent as `Authorization: Bearer <apiKey>`; never logged, and masked in any error message. */
    apiKey: z.string().min(1).optional(),
    /** The model of a step that names none. */
    model: z.string().min(1).optional(),
    /** One request's time, the whole stream included; a step may ask for less. */
    timeoutMs: z.number().int().min(1).max(MAX_TIMER_MS).default(120_000),
    /** The most bytes one answer may have; past it the step fails (LLM_RESPONSE_TOO_LARGE). */
    maxResponseBytes: z.number().int().min(1).default(4 * MiB),
    /** Tries after the first on a 408, 429, 5xx, timeout or network error, with backoff (or `Retry-After`), before any text was streamed. */
    retries: z.number().int().min(0).max(10).default(2),
    /** The first backoff; it doubles with each try. */
    retryDelayMs: z.number().int().min(0).max(MAX_BACKOFF_MS).default(500),
  })
  .strict();

export type LlmConfig = z.output<typeof llmConfigSchema>;

const messageSchema = z
  .object({
    role: z.enum(['system', 'developer', 'user', 'assistant', 'tool']),
    content: z.union([z.string(), z.null(), z.array(z.record(z.string(), z.unknown()))]).optional(),
  })
  .passthrough();

/** An OpenAI function tool, or just the name of an agent to hand off to (its arguments become that agent's input). */
const toolSchema = z.union([
  z.string().regex(AGENT_NAME, 'must be an agent name'),
  z.object({ type: z.literal('function'), function: z.object({ name: z.string().min(1).max(64), description: z.string().optional(), parameters: z.record(z.string(), z.unknown()).optional() }).passthrough() }).passthrough(),
]);

const inputSchema = z
  .object({
    messages: z.array(messageSchema).min(1).max(10_000),
    model: z.string().min(1).optional(),
    /** A tool the model calls hands the step off to the agent of that name (which must be in the step's `handoffs`). */
    tools: z.array(toolSchema).max(128).optional(),
    temperature: z.number().min(0).max(2).optional(),
    maxTokens: z.number().int().min(1).optional(),
    /** Streams the answer (each piece a `step.progress` event). @defaultValue true */
    stream: z.boolean().default(true),
    timeoutMs: z.number().int().min(1).optional(),
  })
  .strict();

type LlmInput = z.output<typeof inputSchema>;

interface Deps {
  config: LlmConfig;
  dispatcher: Dispatcher;
}

class RetryableStatus extends Error {
  constructor(
    message: string,
    readonly retryAfterMs: number | undefined,
  ) {
    super(message);
  }
}

const toolOf = (tool: z.output<typeof toolSchema>) =>
  typeof tool === 'string'
    ? { type: 'function', function: { name: tool, description: `Hand the conversation off to agent ${tool}; the arguments become its input.`, parameters: { type: 'object', additionalProperties: true } } }
    : tool;

/** `Retry-After` in seconds or as a date, in ms; undefined when absent or unreadable. */
function retryAfter(value: string | string[] | undefined): number | undefined {
  const text = Array.isArray(value) ? value[0] : value;
  if (text === undefined) return undefined;
  const seconds = Number(text);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const at = Date.parse(text);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
}

/** The provider's own `error.message` from an error body, if it has one, shortened. */
function providerMessage(body: string): string {
  try {
    const message = (JSON.parse(body) as { error?: { message?: unknown } }).error?.message;
    if (typeof message === 'string' && message.length > 0) return `: ${message.slice(0, 300)}`;
  } catch {
    // not JSON: the status says enough
  }
  return '';
}

const tooLarge = (cap: number) => new NonRetryableError(`the model's answer is larger than ${cap} bytes (maxResponseBytes)`, { code: 'LLM_RESPONSE_TOO_LARGE' });

/** The body, read as text up to `cap` bytes, each piece given to `onText` as it arrives. */
async function readBody(body: AsyncIterable<Buffer>, cap: number, onText: (text: string) => void): Promise<void> {
  const decoder = new TextDecoder();
  let size = 0;
  for await (const chunk of body) {
    size += chunk.length;
    if (size > cap) throw tooLarge(cap);
    onText(decoder.decode(chunk, { stream: true }));
  }
  onText(decoder.decode());
}

/** One request: the completion, or a RetryableStatus / NonRetryableError / network error. */
async function complete(deps: Deps, url: URL, body: Record<string, unknown>, signal: AbortSignal, onText: (text: string) => void): Promise<Completion> {
  const headers: Record<string, string> = { 'content-type': 'application/json', accept: body.stream ? 'text/event-stream' : 'application/json' };
  if (deps.config.apiKey) headers.authorization = `Bearer ${deps.config.apiKey}`;
  const response = await request(url, { dispatcher: deps.dispatcher, method: 'POST', headers, body: JSON.stringify(body), signal });
  const cap = deps.config.maxResponseBytes;
  const status = response.statusCode;
  if (status >= 400) {
    let text = '';
    await readBody(response.body, Math.min(cap, 64 * 1024), (t) => (text += t)).catch(() => response.body.destroy());
    const message = `POST ${url.origin} answered ${status}${providerMessage(text)}`;
    if (status === 408 || status === 429 || status >= 500) throw new RetryableStatus(message, retryAfter(response.headers['retry-after']));
    throw new NonRetryableError(message, { code: 'LLM_HTTP_STATUS' });
  }
  const type = String(response.headers['content-type'] ?? '');
  if (body.stream && type.startsWith('text/event-stream')) {
    const stream = new CompletionStream(onText);
    await readBody(response.body, cap, (t) => stream.feed(t));
    return stream.end();
  }
  let text = '';
  await readBody(response.body, cap, (t) => (text += t));
  return parseCompletion(text);
}

/** Whether another try may help: a 408, 429 or 5xx, a network error, a timeout; never a NonRetryableError. */
const retryable = (error: unknown): boolean => !NonRetryableError.is(error);

/**
 * The completion, trying again (while nothing has been streamed yet) on what may pass. Errors
 * name the endpoint's origin only, and never hold the API key.
 */
async function completeWithRetries(deps: Deps, input: LlmInput, body: Record<string, unknown>, ctx: AgentContext<Deps>): Promise<Completion> {
  const url = new URL(`${deps.config.baseUrl!.replace(/\/+$/, '')}/chat/completions`);
  const timeoutMs = Math.min(input.timeoutMs ?? deps.config.timeoutMs, deps.config.timeoutMs);
  let streamed = false;
  const onText = (text: string) => {
    streamed = true;
    ctx.progress(text);
  };
  for (let attempt = 0; ; attempt++) {
    const timeout = AbortSignal.timeout(timeoutMs);
    try {
      return await complete(deps, url, body, AbortSignal.any([ctx.signal, timeout]), onText);
    } catch (error) {
      if (ctx.signal.aborted) throw error;
      const failure = describeFailure(error, url, timeout.aborted, timeoutMs);
      if (!retryable(failure) || streamed || attempt >= deps.config.retries) throw masked(failure, deps.config.apiKey, attempt + 1);
      const backoff = Math.min(MAX_BACKOFF_MS, error instanceof RetryableStatus && error.retryAfterMs !== undefined ? error.retryAfterMs : deps.config.retryDelayMs * 2 ** attempt);
      ctx.logger.warn('the model call failed; trying again', { error: masked(failure, deps.config.apiKey, attempt + 1).message, backoffMs: backoff });
      await sleep(backoff, undefined, { signal: ctx.signal });
    }
  }
}

function describeFailure(error: unknown, url: URL, timedOut: boolean, timeoutMs: number): Error {
  if (NonRetryableError.is(error) || error instanceof RetryableStatus) return error;
  if (timedOut) return new Error(`POST ${url.origin} timed out after ${timeoutMs} ms`, { cause: error });
  return new Error(`POST ${url.origin} failed: ${(error as Error).message}`, { cause: error });
}

/** The error with the API key (should a provider echo it) masked, and the number of tries said when there were several. */
function masked(error: Error, apiKey: string | undefined, tries: number): Error {
  let message = apiKey ? error.message.split(apiKey).join('***') : error.message;
  if (tries > 1) message += ` (after ${tries} tries)`;
  if (message === error.message) return error;
  return NonRetryableError.is(error) ? new NonRetryableError(message, { code: error.code }) : new Error(message);
}

/**
 * Chat completion from an OpenAI-compatible endpoint (`BATON_LLM_BASE_URL`): streams the answer
 * into the run's history (`step.progress`), records the tokens it spent, and turns a tool call into
 * a hand-off to the agent of that name. Refuses to start once the run's token budget is spent.
 */
export const llmAgent = defineAgent({
  name: 'llm',
  description: 'Chat completion from the OpenAI-compatible endpoint in config: `{ messages, model?, tools?, temperature?, maxTokens?, stream? }` → `{ content, model, finishReason, usage }`, or a hand-off when the model calls a tool.',
  input: inputSchema,
  config: llmConfigSchema,
  setup: (config): Deps => ({ config, dispatcher: new Dispatcher({ connect: { timeout: 10_000 } }) }),
  close: (deps) => deps.dispatcher.close(),
  run: async (input, ctx) => {
    const { config } = ctx.deps;
    if (!config.baseUrl) throw new NonRetryableError('the llm agent has no endpoint: set BATON_LLM_BASE_URL on the worker', { code: 'LLM_NOT_CONFIGURED' });
    const model = input.model ?? config.model;
    if (!model) throw new NonRetryableError('no model: give input.model or set BATON_LLM_MODEL on the worker', { code: 'LLM_NOT_CONFIGURED' });
    let maxTokens = input.maxTokens;
    const budget = ctx.tokenBudget;
    if (budget) {
      const left = budget.limit - budget.used;
      if (left <= 0) throw new NonRetryableError(`the run's token budget is spent: ${budget.used} of ${budget.limit} tokens used (budget.tokens)`, { code: 'BUDGET_EXHAUSTED' });
      maxTokens = Math.min(maxTokens ?? left, left);
    }
    const body: Record<string, unknown> = { model, messages: input.messages, stream: input.stream };
    if (input.stream) body.stream_options = { include_usage: true };
    if (input.tools && input.tools.length > 0) body.tools = input.tools.map(toolOf);
    if (input.temperature !== undefined) body.temperature = input.temperature;
    if (maxTokens !== undefined) body.max_tokens = maxTokens;

    const completion = await completeWithRetries(ctx.deps, input, body, ctx);
    if (completion.usage) ctx.recordUsage(completion.usage);
    const call = completion.toolCalls[0];
    if (call) {
      if (!AGENT_NAME.test(call.name)) throw new NonRetryableError(`the model called tool "${call.name.slice(0, 64)}", which names no agent`, { code: 'LLM_TOOL_CALL' });
      let args: unknown;
      try {
        args = call.arguments.trim() === '' ? {} : JSON.parse(call.arguments);
      } catch {
        throw malformed(`the arguments of tool call ${call.name} are not JSON`);
      }
      return ctx.handoff(call.name, args, `the model called tool ${call.name}`);
    }
    return { content: completion.content, model: completion.model ?? model, finishReason: completion.finishReason ?? null, usage: completion.usage ?? null };
  },
});
