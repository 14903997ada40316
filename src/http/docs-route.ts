/**
 * @module http/docs-route
 * `GET /docs`: Swagger UI over the OpenAPI document (API.md section 7), served entirely from
 * this process. No CDN, and no inline script, so the page works under a
 * `script-src 'self'` Content Security Policy (helmet's default): the page's one script of its
 * own is `/docs/init.js`, which reads the document URL from a data attribute.
 */
import path from 'node:path';
import express, { Router, type Request, type Response } from 'express';
// The package's main module also loads the 1.5 MB browser bundle into Node; this one does not.
import getAbsoluteFSPath from 'swagger-ui-dist/absolute-path';

export interface DocsRouterOptions {
  /** URL of the OpenAPI document the page loads, e.g. `/openapi.json`. */
  specUrl: string;
  /** `<title>` of the page. Default `promptgate API reference`. */
  title?: string;
}

/** The only swagger-ui-dist files the page uses; the package's demo initializer is not served. */
const ASSETS = new Set([
  'swagger-ui.css',
  'swagger-ui-bundle.js',
  'index.css',
  'favicon-32x32.png',
  'favicon-16x16.png',
]);

/** Browsers may keep the versioned assets for a day; the page itself is always revalidated. */
const ASSET_MAX_AGE_MS = 24 * 60 * 60 * 1000;

const INIT_SCRIPT = `'use strict';
window.addEventListener('DOMContentLoaded', function () {
  var root = document.getElementById('swagger-ui');
  window.ui = SwaggerUIBundle({
    url: root.getAttribute('data-spec-url'),
    dom_id: '#swagger-ui',
    deepLinking: true,
    validatorUrl: null,
    tryItOutEnabled: false,
    presets: [SwaggerUIBundle.presets.apis],
    layout: 'BaseLayout',
  });
});
`;

/**
 * A router serving `GET /docs`, `GET /docs/init.js` and the Swagger UI assets under
 * `/docs/assets/`. Mount it at the application root; links follow `req.baseUrl` when it is not.
 */
export function docsRouter(options: DocsRouterOptions): Router {
  const router = Router();
  const assetsDir = getAbsoluteFSPath();
  const title = options.title ?? 'promptgate API reference';

  router.get('/docs', (req: Request, res: Response) => {
    res.set('Cache-Control', 'no-cache');
    res.type('html').send(page(req.baseUrl, options.specUrl, title));
  });

  router.get('/docs/init.js', (_req: Request, res: Response) => {
    res.set('Cache-Control', 'no-cache');
    res.type('text/javascript').send(INIT_SCRIPT);
  });

  router.use('/docs/assets', (req, res, next) => {
    // `req.path` is `/<file>`; anything not listed falls through to the app's 404.
    if (!ASSETS.has(req.path.slice(1))) return next('router');
    next();
  });
  router.use(
    '/docs/assets',
    express.static(path.resolve(assetsDir), { index: false, maxAge: ASSET_MAX_AGE_MS }),
  );

  return router;
}

function page(baseUrl: string, specUrl: string, title: string): string {
  const root = escapeHtml(baseUrl);
  const assets = `${root}/docs/assets`;
  return `<!DOCTYPE html>
<html lang="en">
  <head>
    <meta charset="utf-8">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <title>${escapeHtml(title)}</title>
    <link rel="stylesheet" href="${assets}/swagger-ui.css">
    <link rel="stylesheet" href="${assets}/index.css">
    <link rel="icon" type="image/png" href="${assets}/favicon-32x32.png" sizes="32x32">
    <link rel="icon" type="image/png" href="${assets}/favicon-16x16.png" sizes="16x16">
  </head>
  <body>
    <div id="swagger-ui" data-spec-url="${escapeHtml(specUrl)}"></div>
    <script src="${assets}/swagger-ui-bundle.js"></script>
    <script src="${root}/docs/init.js"></script>
  </body>
</html>
`;
}

function escapeHtml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}
