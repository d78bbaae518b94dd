import { createParser } from 'eventsource-parser';
import { z } from 'zod';
import { NonRetryableError } from '@baton/agent-sdk';

/** One tool call of the model's answer, its arguments as the model wrote them (JSON text). */
export interface ToolCall {
  id?: string;
  name: string;
  arguments: string;
}

/** What a chat completion came to, read from a JSON answer or from a stream of chunks. */
export interface Completion {
  content: string;
  toolCalls: ToolCall[];
  model?: string;
  finishReason?: string;
  usage?: { promptTokens: number; completionTokens: number; totalTokens: number };
}

const count = z.number().int().nonnegative();
const usageSchema = z.object({ prompt_tokens: count, completion_tokens: count, total_tokens: count.optional() }).passthrough();
const toolCallSchema = z.object({ id: z.string().optional(), function: z.object({ name: z.string(), arguments: z.string().default('') }).passthrough() }).passthrough();
const responseSchema = z
  .object({
    model: z.string().optional(),
    choices: z
      .array(
        z.object({
          message: z.object({ content: z.string().nullish(), tool_calls: z.array(toolCallSchema).nullish() }).passthrough(),
          finish_reason: z.string().nullish(),
        }).passthrough(),
      )
      .min(1),
    usage: usageSchema.nullish(),
  })
  .passthrough();
const chunkSchema = z
  .object({
    model: z.string().optional(),
    choices: z
      .array(
        z.object({
          delta: z
            .object({
              content: z.string().nullish(),
              tool_calls: z
                .array(z.object({ index: z.number().int().nonnegative(), id: z.string().nullish(), function: z.object({ name: z.string().nullish(), arguments: z.string().nullish() }).passthrough().nullish() }).passthrough())
                .nullish(),
            })
            .passthrough()
            .nullish(),
          finish_reason: z.string().nullish(),
        }).passthrough(),
      )
      .default([]),
    usage: usageSchema.nullish(),
    error: z.object({ message: z.string().optional() }).passthrough().nullish(),
  })
  .passthrough();

export const malformed = (why: string): NonRetryableError => new NonRetryableError(`the model's answer is malformed: ${why}`, { code: 'LLM_MALFORMED_RESPONSE' });

const usageOf = (usage: z.infer<typeof usageSchema> | null | undefined): Completion['usage'] =>
  usage ? { promptTokens: usage.prompt_tokens, completionTokens: usage.completion_tokens, totalTokens: usage.total_tokens ?? usage.prompt_tokens + usage.completion_tokens } : undefined;

const describe = (error: z.ZodError): string => error.issues.slice(0, 3).map((i) => `${i.path.join('.') || '(root)'} ${i.message}`).join('; ');

/** Reads a whole (non-streamed) chat completion. */
export function parseCompletion(text: string): Completion {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw malformed('not JSON');
  }
  const parsed = responseSchema.safeParse(value);
  if (!parsed.success) throw malformed(describe(parsed.error));
  const { choices, model, usage } = parsed.data;
  const { message, finish_reason } = choices[0]!;
  return {
    content: message.content ?? '',
    toolCalls: (message.tool_calls ?? []).map((t) => ({ ...(t.id ? { id: t.id } : {}), name: t.function.name, arguments: t.function.arguments })),
    ...(model ? { model } : {}),
    ...(finish_reason ? { finishReason: finish_reason } : {}),
    ...(usage ? { usage: usageOf(usage) } : {}),
  };
}

/**
 * Assembles a streamed chat completion (`data: {chunk}` events up to `data: [DONE]`): content
 * deltas in order (each also given to `onText`), tool-call deltas joined by their `index`, and the
 * usage of the last chunk (`stream_options.include_usage`).
 */
export class CompletionStream {
  private content = '';
  private readonly calls = new Map<number, { id?: string; name: string; arguments: string }>();
  private model?: string;
  private finishReason?: string;
  private usage?: Completion['usage'];
  private done = false;
  private readonly parser = createParser({
    onEvent: (event) => this.onData(event.data),
    // Unknown fields and bad `retry:` values are ignored, as an EventSource would.
    onError: (error) => {
      if (error.type === 'max-buffer-size-exceeded') throw malformed(error.message);
    },
  });

  constructor(private readonly onText: (text: string) => void) {}

  feed(text: string): void {
    if (this.done) return;
    this.parser.feed(text);
  }

  /** @throws NonRetryableError LLM_MALFORMED_RESPONSE when the stream ended before `[DONE]`. */
  end(): Completion {
    if (!this.done) throw malformed('the stream ended before data: [DONE]');
    const toolCalls = [...this.calls.entries()].sort(([a], [b]) => a - b).map(([, call]) => call);
    return {
      content: this.content,
      toolCalls,
      ...(this.model ? { model: this.model } : {}),
      ...(this.finishReason ? { finishReason: this.finishReason } : {}),
      ...(this.usage ? { usage: this.usage } : {}),
    };
  }

  private onData(data: string): void {
    if (this.done) return;
    if (data.trim() === '[DONE]') {
      this.done = true;
      return;
    }
    let value: unknown;
    try {
      value = JSON.parse(data);
    } catch {
      throw malformed('a stream chunk is not JSON');
    }
    const parsed = chunkSchema.safeParse(value);
    if (!parsed.success) throw malformed(`a stream chunk: ${describe(parsed.error)}`);
    const chunk = parsed.data;
    // A provider that fails mid-stream says so in a chunk: worth another try, like a 5xx.
    if (chunk.error) throw new Error(`the model's stream reported an error: ${chunk.error.message ?? 'no message'}`);
    if (chunk.model) this.model = chunk.model;
    if (chunk.usage) this.usage = usageOf(chunk.usage);
    const choice = chunk.choices[0];
    if (!choice) return;
    if (choice.finish_reason) this.finishReason = choice.finish_reason;
    const delta = choice.delta;
    if (delta?.content) {
      this.content += delta.content;
      this.onText(delta.content);
    }
    for (const part of delta?.tool_calls ?? []) {
      const call = this.calls.get(part.index) ?? { name: '', arguments: '' };
      if (part.id) call.id = part.id;
      if (part.function?.name) call.name += part.function.name;
      if (part.function?.arguments) call.arguments += part.function.arguments;
      this.calls.set(part.index, call);
    }
  }
}
