import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import express, { Router, type Response } from 'express';
import { BatonError } from '@baton/core';
import type { RouteGuard } from './auth-middleware';

/** Where the web console is served. */
export const CONSOLE_PATH = '/console';

/** The console's build (`apps/console/dist`, made by `npm run build`), found beside the api's own folder. */
export const DEFAULT_CONSOLE_DIR = resolve(__dirname, '../../console/dist');

// The console talks to this api only; its styles are in files, React sets inline style attributes.
const CSP = [
  "default-src 'self'", "script-src 'self'", "style-src 'self'", "style-src-attr 'unsafe-inline'", "img-src 'self' data:",
  "connect-src 'self'", "worker-src 'self' blob:", "frame-ancestors 'none'", "base-uri 'none'", "form-action 'self'",
].join('; ');

const securityHeaders = (res: Response): void => {
  res.setHeader('Content-Security-Policy', CSP);
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('Referrer-Policy', 'no-referrer');
};

/**
 * The web console's static files under {@link CONSOLE_PATH}, with no credentials (they hold no
 * data; the console's calls to `/v1` carry the key). Hashed assets are cached for good, and any
 * other path without a file answers the app's `index.html`, so the console's own routes
 * (`/console/runs/<id>`) load on a refresh. Without a build, `/console` is a 404 that says so.
 */
export function consoleRoutes(dir: string, guard: RouteGuard): Router {
  const router = Router();
  router.use(guard);
  const index = join(dir, 'index.html');
  router.use(express.static(dir, {
    index: false,
    redirect: false,
    setHeaders: (res, path) => {
      securityHeaders(res);
      res.setHeader('Cache-Control', path.includes(`${join(dir, 'assets')}`) ? 'public, max-age=31536000, immutable' : 'no-cache');
    },
  }));
  router.use((req, res, next) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return next();
    // A missing asset is a 404, not the app: a stale page must not load HTML as a script.
    if (req.path.startsWith('/assets/')) return next();
    if (!existsSync(index)) throw new BatonError('NOT_FOUND', 'the console is not built: run npm run build');
    securityHeaders(res);
    res.setHeader('Cache-Control', 'no-cache');
    res.sendFile(index);
  });
  // The route table's walk reads a mounted router's guard from the router itself.
  return Object.assign(router, { routeKey: (guard as { routeKey?: unknown }).routeKey });
}
