import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request the fake received. */
export interface ChatRequest {
  authorization?: string;
  body: { model: string; messages: unknown[]; stream?: boolean; stream_options?: unknown; tools?: unknown[]; max_tokens?: number };
}

/** How the fake answers one request: given the request and how many requests came with its model before. */
export type ChatBehaviour = (request: ChatRequest, tries: number, res: http.ServerResponse) => void | Promise<void>;

const usage = (prompt: number, completion: number) => ({ prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion });

/** Writes an SSE stream of chat-completion chunks (`data: {...}`), each after `gapMs`, then `data: [DONE]`. */
export async function streamChunks(res: http.ServerResponse, chunks: unknown[], gapMs = 0, done = true): Promise<void> {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  for (const chunk of chunks) {
    res.write(`data: ${typeof chunk === 'string' ? chunk : JSON.stringify(chunk)}\n\n`);
    if (gapMs > 0) await new Promise((r) => setTimeout(r, gapMs));
  }
  if (done) res.write('data: [DONE]\n\n');
  res.end();
}

const json = (res: http.ServerResponse, status: number, body: unknown) => {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
};

/** A chunk with a content delta. */
export const textChunk = (text: string, model = 'fake-1') => ({ id: 'c1', object: 'chat.completion.chunk', model, choices: [{ index: 0, delta: { content: text }, finish_reason: null }] });

/** The behaviours the tests pick by model name. */
export const behaviours: Record<string, ChatBehaviour> = {
  /** Streams the words of `Hello there, how are you today?` 80 ms apart, then the usage chunk. */
  'stream-ok': (req, _tries, res) =>
    streamChunks(res, [
      { id: 'c1', object: 'chat.completion.chunk', model: 'fake-1', choices: [{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }] },
      ...['Hello', ' there,', ' how', ' are', ' you', ' today?'].map((w) => textChunk(w)),
      { id: 'c1', object: 'chat.completion.chunk', model: 'fake-1', choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] },
      ...(req.body.stream_options ? [{ id: 'c1', object: 'chat.completion.chunk', model: 'fake-1', choices: [], usage: usage(12, 7) }] : []),
    ], 80),
  'json-ok': (_req, _tries, res) =>
    json(res, 200, { id: 'c2', object: 'chat.completion', model: 'fake-1', choices: [{ index: 0, message: { role: 'assistant', content: 'plain answer' }, finish_reason: 'stop' }], usage: usage(5, 2) }),
  /** Streams a tool call to the agent named by the first tool, its name and arguments in pieces. */
  'tool-call': (req, _tries, res) => {
    const tool = req.body.tools?.[0] as { function: { name: string } };
    const name = tool.function.name;
    const call = (delta: Record<string, unknown>) => ({ id: 'c3', object: 'chat.completion.chunk', model: 'fake-1', choices: [{ index: 0, delta: { tool_calls: [{ index: 0, ...delta }] }, finish_reason: null }] });
    return streamChunks(res, [
      call({ id: 'call_1', type: 'function', function: { name: name.slice(0, 2), arguments: '' } }),
      call({ function: { name: name.slice(2), arguments: '{"ticket":' } }),
      call({ function: { arguments: ' 42, "lang": "fr"}' } }),
      { id: 'c3', object: 'chat.completion.chunk', model: 'fake-1', choices: [{ index: 0, delta: {}, finish_reason: 'tool_calls' }] },
      { id: 'c3', object: 'chat.completion.chunk', model: 'fake-1', choices: [], usage: usage(20, 9) },
    ]);
  },
  /** Streams the last message's content back, in three pieces sent together. */
  'echo-stream': (req, _tries, res) => {
    const text = String((req.body.messages.at(-1) as { content?: unknown }).content);
    const third = Math.ceil(text.length / 3);
    return streamChunks(res, [0, 1, 2].map((i) => textChunk(text.slice(i * third, (i + 1) * third))));
  },
  'status-401': (_req, _tries, res) => json(res, 401, { error: { message: 'Incorrect API key provided: sk-tes***', type: 'invalid_request_error' } }),
  /** 503 on the first try, then a streamed answer. */
  'flaky-503': (req, tries, res) => (tries === 0 ? json(res, 503, { error: { message: 'overloaded' } }) : behaviours['stream-ok']!(req, tries, res)),
  'always-503': (_req, _tries, res) => json(res, 503, { error: { message: 'overloaded' } }),
  /** Sends headers, then nothing for ever (until the client gives up). */
  slow: (_req, _tries, res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    res.write(`data: ${JSON.stringify(textChunk('Hel'))}\n\n`);
  },
  /** A chunk that is not JSON. */
  malformed: (_req, _tries, res) => streamChunks(res, [textChunk('Hi'), '{"choices": [oops']),
  /** Ends without `data: [DONE]`. */
  truncated: (_req, _tries, res) => streamChunks(res, [textChunk('Hi')], 0, false),
};

/**
 * A local server speaking the OpenAI chat-completions protocol (`POST /v1/chat/completions`), as
 * the `llm` agent's tests need it: no model is reachable here. The request's `model` picks the behaviour.
 */
export class FakeChatServer {
  readonly requests: ChatRequest[] = [];
  private readonly tries = new Map<string, number>();

  private constructor(private readonly server: http.Server) {}

  static async start(): Promise<FakeChatServer> {
    const server = http.createServer();
    const fake = new FakeChatServer(server);
    server.on('request', (req, res) => void fake.handle(req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return fake;
  }

  /** `BATON_LLM_BASE_URL`. */
  get baseUrl(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/v1`;
  }

  /** The requests that asked for `model`. */
  of(model: string): ChatRequest[] {
    return this.requests.filter((r) => r.body.model === model);
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    let text = '';
    for await (const chunk of req) text += String(chunk);
    if (req.method !== 'POST' || req.url !== '/v1/chat/completions') return json(res, 404, { error: { message: `no route ${req.method} ${req.url}` } });
    const request: ChatRequest = { body: JSON.parse(text) as ChatRequest['body'] };
    if (req.headers.authorization) request.authorization = req.headers.authorization;
    this.requests.push(request);
    const model = request.body.model;
    const tries = this.tries.get(model) ?? 0;
    this.tries.set(model, tries + 1);
    const behaviour = behaviours[model];
    if (!behaviour) return json(res, 404, { error: { message: `The model ${model} does not exist` } });
    await behaviour(request, tries, res);
  }
}
