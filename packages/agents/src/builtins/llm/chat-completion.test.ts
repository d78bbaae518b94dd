import { CompletionStream, parseCompletion } from './chat-completion';

const chunk = (delta: Record<string, unknown>, extra: Record<string, unknown> = {}) => `data: ${JSON.stringify({ model: 'm', choices: [{ index: 0, delta, finish_reason: null }], ...extra })}\n\n`;

describe('parseCompletion', () => {
  it('reads the first choice: content, tool calls, finish reason, model and usage', () => {
    const text = JSON.stringify({
      model: 'm-1',
      choices: [{ index: 0, message: { role: 'assistant', content: null, tool_calls: [{ id: 'call_9', type: 'function', function: { name: 'billing', arguments: '{"a":1}' } }] }, finish_reason: 'tool_calls' }],
      usage: { prompt_tokens: 3, completion_tokens: 4 },
    });
    expect(parseCompletion(text)).toEqual({
      content: '',
      toolCalls: [{ id: 'call_9', name: 'billing', arguments: '{"a":1}' }],
      model: 'm-1',
      finishReason: 'tool_calls',
      usage: { promptTokens: 3, completionTokens: 4, totalTokens: 7 },
    });
    expect(parseCompletion(JSON.stringify({ choices: [{ message: { content: 'hi' } }] }))).toEqual({ content: 'hi', toolCalls: [] });
  });

  it.each([
    ['not JSON', '<html>', "the model's answer is malformed: not JSON"],
    ['no choices', '{"choices":[]}', "the model's answer is malformed: choices Array must contain at least 1 element(s)"],
    ['a bad usage', '{"choices":[{"message":{"content":"x"}}],"usage":{"prompt_tokens":-1,"completion_tokens":0}}', "the model's answer is malformed: usage.prompt_tokens Number must be greater than or equal to 0"],
  ])('refuses %s (LLM_MALFORMED_RESPONSE)', (_name, text, message) => {
    expect(() => parseCompletion(text)).toThrow(expect.objectContaining({ code: 'LLM_MALFORMED_RESPONSE', message }));
  });
});

describe('CompletionStream', () => {
  it('joins content deltas (each given on as it comes) and tool-call deltas by index, split anywhere', () => {
    const texts: string[] = [];
    const stream = new CompletionStream((t) => texts.push(t));
    const wire = [
      ': keep-alive\n\n',
      chunk({ role: 'assistant', content: '' }),
      chunk({ content: 'Hel' }),
      chunk({ content: 'lo' }),
      chunk({ tool_calls: [{ index: 1, id: 'b', function: { name: 'te', arguments: '{"x"' } }] }),
      chunk({ tool_calls: [{ index: 0, id: 'a', function: { name: 'billing', arguments: '' } }] }),
      chunk({ tool_calls: [{ index: 1, function: { name: 'ch', arguments: ':1}' } }] }),
      `data: ${JSON.stringify({ model: 'm', choices: [{ index: 0, delta: {}, finish_reason: 'tool_calls' }] })}\n\n`,
      `data: ${JSON.stringify({ model: 'm', choices: [], usage: { prompt_tokens: 5, completion_tokens: 6, total_tokens: 11 } })}\n\n`,
      'data: [DONE]\n\n',
      chunk({ content: 'after the end' }),
    ].join('');
    // Split into 7-character pieces, as a network might.
    for (let i = 0; i < wire.length; i += 7) stream.feed(wire.slice(i, i + 7));
    expect(texts).toEqual(['Hel', 'lo']);
    expect(stream.end()).toEqual({
      content: 'Hello',
      toolCalls: [{ id: 'a', name: 'billing', arguments: '' }, { id: 'b', name: 'tech', arguments: '{"x":1}' }],
      model: 'm',
      finishReason: 'tool_calls',
      usage: { promptTokens: 5, completionTokens: 6, totalTokens: 11 },
    });
  });

  it('ignores unknown SSE fields, and needs [DONE] to end', () => {
    const stream = new CompletionStream(() => undefined);
    stream.feed('foo: bar\n' + chunk({ content: 'x' }));
    expect(() => stream.end()).toThrow("the model's answer is malformed: the stream ended before data: [DONE]");
  });

  it('refuses a chunk that is not JSON or not a chunk (LLM_MALFORMED_RESPONSE), and reports an error chunk as retryable', () => {
    expect(() => new CompletionStream(() => undefined).feed('data: {oops\n\n')).toThrow(expect.objectContaining({ code: 'LLM_MALFORMED_RESPONSE' }));
    expect(() => new CompletionStream(() => undefined).feed('data: {"choices":"no"}\n\n')).toThrow(expect.objectContaining({ code: 'LLM_MALFORMED_RESPONSE' }));
    let error: unknown;
    try {
      new CompletionStream(() => undefined).feed('data: {"error":{"message":"overloaded"}}\n\n');
    } catch (e) {
      error = e;
    }
    expect(error).toEqual(new Error("the model's stream reported an error: overloaded"));
    expect((error as { code?: string }).code).toBeUndefined();
  });
});
