import { dirname, join } from 'node:path';
import { Router } from 'express';
import { BatonError } from '@baton/core';
import { openApiDocument } from '../openapi/openapi-document';
import { allowQuery } from '../query-params';
import { guard } from '../route-permissions';

/** Swagger UI's files that the page loads, from swagger-ui-dist. */
const UI_FILES = new Set(['swagger-ui.css', 'swagger-ui-bundle.js', 'swagger-ui-standalone-preset.js', 'favicon-32x32.png', 'favicon-16x16.png']);
const INITIALIZER = 'baton-docs.js';

const PAGE = `<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="UTF-8">
  <title>Baton API</title>
  <link rel="stylesheet" href="/docs/swagger-ui.css">
  <link rel="icon" type="image/png" href="/docs/favicon-32x32.png" sizes="32x32">
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="/docs/swagger-ui-bundle.js"></script>
  <script src="/docs/swagger-ui-standalone-preset.js"></script>
  <script src="/docs/${INITIALIZER}"></script>
</body>
</html>
`;

// A file rather than an inline script: the page needs no 'unsafe-inline' under a Content-Security-Policy.
const INITIALIZER_JS = `window.onload = function () {
  window.ui = SwaggerUIBundle({
    url: '/openapi.json',
    dom_id: '#swagger-ui',
    deepLinking: true,
    presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset],
    layout: 'StandaloneLayout',
  });
};
`;

/**
 * `GET /openapi.json` (no credentials) and `GET /docs`, Swagger UI over it. `/docs` is behind
 * the Basic challenge like Bull Board, so a browser asks for the key (as the password); its
 * "Try it out" requests then carry the same credentials, or those given with "Authorize".
 */
export function docsRoutes(): Router {
  const router = Router();
  const uiDir = dirname(require.resolve('swagger-ui-dist/package.json'));
  const documentJson = JSON.stringify(openApiDocument());

  router.get('/openapi.json', guard('GET /openapi.json'), allowQuery(), (_req, res) => {
    res.type('json').send(documentJson);
  });

  router.get('/docs', guard('GET /docs'), allowQuery(), (_req, res) => {
    res.type('html').send(PAGE);
  });

  router.get('/docs/:file', guard('GET /docs/:file'), allowQuery(), (req, res) => {
    const { file } = req.params;
    if (file === INITIALIZER) {
      res.type('js').send(INITIALIZER_JS);
      return;
    }
    if (!UI_FILES.has(file)) throw new BatonError('NOT_FOUND', `no file ${JSON.stringify(file.slice(0, 100))} in /docs`);
    res.sendFile(join(uiDir, file), { maxAge: '1h' });
  });

  return router;
}
