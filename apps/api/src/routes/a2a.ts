import { Router, type Request, type Response } from 'express';
import { JsonRpcTransportHandler, ServerCallContext, type User } from '@a2a-js/sdk/server';
import { can, type Action, type Principal } from '@baton/auth';
import { BatonError } from '@baton/core';
import { getTemplate, type TemplateDeps } from '@baton/runtime';
import { principalOf } from '../auth-middleware';
import { allowQuery } from '../query-params';
import { guard } from '../route-permissions';
import { A2A_CALL, BatonA2aHandler, type A2aCall, type BatonA2aHandlerDeps } from '../a2a/baton-a2a-handler';
import { templateAgentCard } from '../a2a/template-agent-card';

/** The caller as the SDK's request context knows it. */
class PrincipalUser implements User {
  constructor(readonly principal: Principal) {}
  get isAuthenticated(): boolean {
    return true;
  }
  get userName(): string {
    return this.principal.subject;
  }
}

/** What each JSON-RPC method asks of the caller's role; the use cases ask again with the run. */
const METHOD_ACTIONS: Record<string, Action> = { SendMessage: 'run.submit', SendStreamingMessage: 'run.submit', CancelTask: 'run.cancel' };

const isStream = (value: unknown): value is AsyncGenerator<unknown> => typeof (value as AsyncGenerator<unknown> | null)?.[Symbol.asyncIterator] === 'function';

export interface A2aRouteDeps extends BatonA2aHandlerDeps {
  templates?: Pick<TemplateDeps, 'templates'>;
}

/**
 * Agent2Agent (API.md): `GET /a2a/:template/.well-known/agent-card.json`, the template's card, and
 * `POST /a2a/:template`, its JSON-RPC endpoint (the SDK's transport over {@link BatonA2aHandler};
 * streaming methods answer Server-Sent Events). Both need credentials like `/v1`: templates are a
 * tenant's. An unknown template is a 404 TEMPLATE_NOT_FOUND.
 */
export function a2aRoutes(deps: A2aRouteDeps): Router {
  const router = Router();
  const transport = new JsonRpcTransportHandler(new BatonA2aHandler(deps));
  const templateOf = async (req: Request<{ template: string }>) => {
    if (!deps.templates) throw new BatonError('NOT_CONFIGURED', 'templates are not available on this api');
    return getTemplate(deps.templates, principalOf(req), { name: req.params.template });
  };

  router.get('/a2a/:template/.well-known/agent-card.json', guard('GET /a2a/:template/.well-known/agent-card.json'), allowQuery(), async (req, res) => {
    const template = await templateOf(req);
    res.setHeader('Cache-Control', 'private, no-cache');
    res.json(templateAgentCard(template, `${req.protocol}://${req.get('host')}`));
  });

  router.post('/a2a/:template', guard('POST /a2a/:template'), allowQuery(), async (req, res) => {
    const principal = principalOf(req);
    const method = (req.body as { method?: unknown } | undefined)?.method;
    const action = typeof method === 'string' ? METHOD_ACTIONS[method] : undefined;
    if (action && !can(principal, action)) throw new BatonError('FORBIDDEN', `the ${principal.role} role may not do this`);
    await templateOf(req);
    const aborted = new AbortController();
    res.on('close', () => aborted.abort());
    const call: A2aCall = { principal, template: req.params.template, signal: aborted.signal, requestId: req.requestId, traceparent: req.traceparent };
    const context = new ServerCallContext({ user: new PrincipalUser(principal), state: new Map([[A2A_CALL, call]]) });
    const answer = await transport.handle(req.body as Record<string, unknown>, context);
    if (!isStream(answer)) return void res.json(answer);
    await stream(req, res, answer);
  });

  return router;
}

/** A streaming method's answers as Server-Sent Events; one that fails before its first event is a JSON-RPC error. */
async function stream(req: Request, res: Response, answers: AsyncGenerator<unknown>): Promise<void> {
  const id = (req.body as { id?: unknown }).id ?? null;
  const failed = (error: unknown) => ({ jsonrpc: '2.0', id, error: JsonRpcTransportHandler.mapToJSONRPCError(error) });
  let first: IteratorResult<unknown>;
  try {
    first = await answers.next();
  } catch (error) {
    return void res.json(failed(error));
  }
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', 'x-accel-buffering': 'no' });
  res.socket?.setTimeout(0);
  const send = (value: unknown) => res.write(`data: ${JSON.stringify(value)}\n\n`);
  try {
    if (!first.done) send(first.value);
    for await (const answer of { [Symbol.asyncIterator]: () => answers }) {
      if (res.destroyed) break;
      send(answer);
    }
  } catch (error) {
    if (!res.destroyed) res.write(`event: error\ndata: ${JSON.stringify(failed(error))}\n\n`);
  } finally {
    res.end();
  }
}
