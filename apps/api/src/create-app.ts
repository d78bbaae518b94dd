import express from 'express';
import type { AppDeps } from './app-deps';
import { authenticate } from './auth-middleware';
import { adminKeyAuthenticator, openAuthenticator } from '@baton/auth';
import type { UseCaseDeps } from '@baton/runtime';
import { errorMiddleware, notFound } from './error-middleware';
import { jsonBody } from './json-body';
import { DEFAULT_RUN_VIEW_BUDGET } from './app-deps';
import { requestContext } from './request-context';
import { agentRoutes } from './routes/agents';
import { statsRoutes } from './routes/stats';
import { healthRoutes } from './routes/health';
import { metricsRoutes } from './routes/metrics';
import { payloadRoutes } from './routes/payloads';
import { runRoutes } from './routes/runs';
import { workflowRoutes } from './routes/workflows';
import { wellFormedPath } from './well-formed-path';
import { parseOffThread } from './yaml-off-thread';

/**
 * The HTTP gateway as an Express app, with no I/O of its own: everything it talks to comes in
 * `deps`. Route handlers are async; Express 5 passes a rejected promise to the one error middleware.
 * Routes are registered with their full paths, so `req.route.path` is the template metrics label.
 */
export function createApp(deps: AppDeps): express.Express {
  const { logger, metrics, config } = deps;
  const authenticator = deps.authenticator ?? (config.adminKey ? adminKeyAuthenticator(config.adminKey) : openAuthenticator());
  const app = express();
  app.disable('x-powered-by');

  app.use(requestContext(logger, metrics));
  app.use(wellFormedPath);
  app.use(healthRoutes(deps));
  app.use(['/v1', '/metrics'], authenticate(authenticator));
  app.use(jsonBody(config.bodyLimit));
  // The use cases' dependencies: the routes are adapters of those use cases.
  const cases: UseCaseDeps = {
    runtime: deps.runtime,
    queries: deps.queries,
    agents: deps.agents,
    readDefinition: parseOffThread,
    limits: config.limits,
    viewBudgetBytes: config.runViewBudgetBytes ?? DEFAULT_RUN_VIEW_BUDGET,
  };
  app.use(runRoutes(cases));
  app.use(payloadRoutes(cases));
  app.use(workflowRoutes(cases));
  app.use(agentRoutes(deps));
  app.use(statsRoutes(deps));
  app.use(metricsRoutes(deps));
  app.use(notFound);
  app.use(errorMiddleware(logger));
  return app;
}
