import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AgentCard, TaskState, type Message, type Part } from '@a2a-js/sdk';
import { AgentEvent, DefaultRequestHandler, InMemoryTaskStore, JsonRpcTransportHandler, ServerCallContext, type AgentExecutor, type ExecutionEventBus } from '@a2a-js/sdk/server';

/**
 * A remote A2A agent for tests, built with the SDK's own server parts (its request handler, task
 * store and JSON-RPC transport), one card streaming and one not. What it does depends on the first
 * text of the message: `complete`, `fail`, `ask` (input-required, then completes with the answer),
 * `slow` (completes after a while).
 */
export interface TestA2aServer {
  base: string;
  /** The headers of every request, in order. */
  seen: Array<{ url: string; headers: IncomingMessage['headers'] }>;
  /** Answers the next requests to this path with this status. */
  failing: Map<string, number>;
  close(): Promise<void>;
}

const text = (value: string): Part => ({ content: { $case: 'text', value }, metadata: undefined, filename: '', mediaType: 'text/plain' });
const data = (value: unknown): Part => ({ content: { $case: 'data', value }, metadata: undefined, filename: '', mediaType: 'application/json' });
const agentMessage = (taskId: string, contextId: string, parts: Part[]): Message => ({ messageId: `m-${Math.random()}`, contextId, taskId, role: 2, parts, metadata: undefined, extensions: [], referenceTaskIds: [] });

class TestExecutor implements AgentExecutor {
  async execute(request: Parameters<AgentExecutor['execute']>[0], bus: ExecutionEventBus): Promise<void> {
    const { taskId, contextId, userMessage } = request;
    const first = userMessage.parts[0]?.content;
    const command = first?.$case === 'text' ? first.value : first?.$case === 'data' ? JSON.stringify(first.value) : '';
    const status = (state: TaskState, parts?: Part[]) => bus.publish(AgentEvent.statusUpdate({
      taskId, contextId, metadata: undefined,
      status: { state, message: parts && agentMessage(taskId, contextId, parts), timestamp: new Date().toISOString() },
    }));
    const artifact = (parts: Part[]) => bus.publish(AgentEvent.artifactUpdate({ taskId, contextId, append: false, lastChunk: true, metadata: undefined, artifact: { artifactId: 'a1', name: 'answer', description: '', parts, metadata: undefined, extensions: [] } }));
    bus.publish(AgentEvent.task({ id: taskId, contextId, status: { state: TaskState.TASK_STATE_SUBMITTED, message: undefined, timestamp: new Date().toISOString() }, artifacts: [], history: [userMessage], metadata: undefined }));
    if (request.task) {
      // The answer to a question: what was asked for, with the answer.
      artifact([data({ answer: first?.$case === 'data' ? first.value : command }), text(`thanks for ${command}`)]);
      status(TaskState.TASK_STATE_COMPLETED);
      bus.finished();
      return;
    }
    status(TaskState.TASK_STATE_WORKING);
    if (command === 'fail') status(TaskState.TASK_STATE_FAILED, [text('no luck today')]);
    else if (command === 'ask') status(TaskState.TASK_STATE_INPUT_REQUIRED, [text('which colour?')]);
    else {
      if (command === 'slow') await new Promise((resolve) => setTimeout(resolve, 400));
      artifact([data({ answer: 42 }), text('forty'), text('two')]);
      status(TaskState.TASK_STATE_COMPLETED);
    }
    bus.finished();
  }

  async cancelTask(): Promise<void> {}
}

function cardOf(base: string, name: string, streaming: boolean): AgentCard {
  return AgentCard.fromJSON({
    name, description: 'a test agent', version: '1',
    supportedInterfaces: [{ url: `${base}/${name}/rpc`, protocolBinding: 'JSONRPC', protocolVersion: '1.0' }],
    capabilities: { streaming }, defaultInputModes: ['text/plain'], defaultOutputModes: ['application/json'], skills: [],
  });
}

export async function startTestA2aServer(): Promise<TestA2aServer> {
  const seen: TestA2aServer['seen'] = [];
  const failing = new Map<string, number>();
  const handlers = new Map<string, { card: AgentCard; rpc: JsonRpcTransportHandler }>();
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => void (async () => {
      const url = new URL(req.url ?? '/', 'http://x').pathname;
      seen.push({ url, headers: req.headers });
      const status = failing.get(url);
      if (status !== undefined) return void res.writeHead(status).end('not now');
      const [, name, rest] = /^\/([a-z]+)\/(.*)$/.exec(url) ?? [];
      const agent = handlers.get(name ?? '');
      if (!agent) return void res.writeHead(404).end();
      if (rest === '.well-known/agent-card.json') return void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(AgentCard.toJSON(agent.card)));
      if (rest === 'redirect/.well-known/agent-card.json') return void res.writeHead(302, { location: `/${name}/.well-known/agent-card.json` }).end();
      const answer = await agent.rpc.handle(Buffer.concat(chunks).toString(), new ServerCallContext());
      if (typeof (answer as AsyncGenerator)[Symbol.asyncIterator] !== 'function') return void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(answer));
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      for await (const event of answer as AsyncGenerator) res.write(`data: ${JSON.stringify(event)}\n\n`);
      res.end();
    })());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  for (const [name, streaming] of [['stream', true], ['poll', false]] as const) {
    const card = cardOf(base, name, streaming);
    handlers.set(name, { card, rpc: new JsonRpcTransportHandler(new DefaultRequestHandler(card, new InMemoryTaskStore(), new TestExecutor())) });
  }
  return {
    base, seen, failing,
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
