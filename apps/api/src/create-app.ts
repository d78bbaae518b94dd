import express from 'express';
import type { AppDeps } from './app-deps';
import { authenticate } from './auth-middleware';
import { BOARD_PATH, bullBoard, type BoardQueues } from './bull-board';
import { CONSOLE_PATH, DEFAULT_CONSOLE_DIR, consoleRoutes } from './console-routes';
import { limitByAddress } from './rate-limit';
import { guard } from './route-permissions';
import { adminKeyAuthenticator, openAuthenticator } from '@baton/auth';
import type { UseCaseDeps } from '@baton/runtime';
import { errorMiddleware, notFound } from './error-middleware';
import { jsonBody } from './json-body';
import { DEFAULT_RUN_VIEW_BUDGET } from './app-deps';
import { mountedRoute, requestContext } from './request-context';
import { a2aRoutes } from './routes/a2a';
import { agentRoutes } from './routes/agents';
import { apiKeyRoutes } from './routes/api-keys';
import { statsRoutes } from './routes/stats';
import { healthRoutes } from './routes/health';
import { docsRoutes } from './routes/docs';
import { metricsRoutes } from './routes/metrics';
import { payloadRoutes } from './routes/payloads';
import { runRoutes } from './routes/runs';
import { runEventRoutes } from './routes/run-events';
import { secretRoutes } from './routes/secrets';
import { settingsRoutes } from './routes/settings';
import { signalRoutes } from './routes/signals';
import { bulkOperationRoutes } from './routes/bulk-operations';
import { templatePauseRoutes, templateRoutes } from './routes/templates';
import { eventRoutes } from './routes/events';
import { scheduleRoutes } from './routes/schedules';
import { workflowRoutes } from './routes/workflows';
import { wellFormedPath } from './well-formed-path';
import { parseOffThread } from './yaml-off-thread';

/** Bull Board's queues when `deps.boardQueues` is absent: none. */
const NO_QUEUES: BoardQueues = {
  agents: async () => [],
  queue: (agent) => {
    throw new Error(`no queues to show (agent ${agent})`);
  },
};

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
  // `req.ip` (the key of limits without credentials) skips only this many proxies' X-Forwarded-For entries.
  app.set('trust proxy', config.trustProxy ?? 0);

  app.use(requestContext(logger, metrics));
  app.use(wellFormedPath);
  app.use(healthRoutes(deps));
  const limits = deps.rateLimits;
  app.use(['/v1', '/a2a', '/metrics'], authenticate(authenticator, { limits }));
  // Basic: a browser prompts for the key, then sends it with the page's "Try it out" requests too.
  app.use('/docs', authenticate(authenticator, { limits, challenge: 'Basic' }));
  // Basic: a browser prompts for the key. Before jsonBody: the board reads its own bodies.
  app.use(BOARD_PATH, mountedRoute(`${BOARD_PATH}/*`), authenticate(authenticator, { limits, challenge: 'Basic' }),
    bullBoard(deps.boardQueues ?? NO_QUEUES, { guard: guard('USE /admin/queues') }));
  if (limits) app.use(limitByAddress(limits));
  // After the address limit: unlike the health checks, /openapi.json is no load balancer's.
  app.use(docsRoutes());
  app.use(CONSOLE_PATH, mountedRoute(`${CONSOLE_PATH}/*`), consoleRoutes(deps.consoleDir ?? DEFAULT_CONSOLE_DIR, guard('USE /console')));
  app.use(jsonBody(config.bodyLimit, config.batchBodyLimit));
  // The use cases' dependencies: the routes are adapters of those use cases.
  const cases: UseCaseDeps = {
    runtime: deps.runtime,
    queries: deps.queries,
    runLinks: deps.runLinks,
    agents: deps.agents,
    readDefinition: parseOffThread,
    limits: config.limits,
    viewBudgetBytes: config.runViewBudgetBytes ?? DEFAULT_RUN_VIEW_BUDGET,
    templateCatalog: deps.templates?.catalog,
    templatePauses: deps.templatePauses,
    agentPauses: deps.agentPauses,
  };
  app.use(runRoutes(cases));
  app.use(runEventRoutes(cases, { hub: deps.runEvents, heartbeatMs: config.sse?.heartbeatMs, maxBufferedBytes: config.sse?.maxBufferedBytes }));
  app.use(payloadRoutes(cases));
  app.use(workflowRoutes(cases));
  app.use(signalRoutes(cases));
  app.use(bulkOperationRoutes(deps.bulkOperations));
  app.use(agentRoutes({ ...cases, directory: deps.agents }));
  app.use(secretRoutes(deps.secrets));
  app.use(settingsRoutes(deps.settings));
  app.use(apiKeyRoutes(deps.apiKeys));
  app.use(templateRoutes(deps.templates && { ...deps.templates, agents: deps.agents, readDefinition: parseOffThread, limits: config.limits, templatePauses: deps.templatePauses }));
  app.use(templatePauseRoutes(cases));
  app.use(eventRoutes({ ...cases, templates: deps.templates?.templates }));
  app.use(scheduleRoutes(deps.templates?.cron && { templates: deps.templates.templates, cron: deps.templates.cron }));
  app.use(statsRoutes(deps));
  app.use(metricsRoutes(deps));
  app.use(a2aRoutes({ cases, hub: deps.runEvents, logger, templates: deps.templates }));
  app.use(notFound);
  app.use(errorMiddleware(logger));
  return app;
}
