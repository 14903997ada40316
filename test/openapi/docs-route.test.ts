import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import express from 'express';
import helmet from 'helmet';
import { docsRouter } from '../../src/http/docs-route';

describe('docsRouter', () => {
  let server: Server;
  let base: string;

  beforeAll(async () => {
    const app = express();
    app.use(helmet());
    app.use(docsRouter({ specUrl: '/openapi.json' }));
    await new Promise<void>((resolve) => {
      server = app.listen(0, '127.0.0.1', () => resolve());
    });
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
  });

  it('serves an HTML page that loads the document without any external or inline script', async () => {
    const res = await fetch(`${base}/docs`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    const html = await res.text();
    expect(html).toContain('data-spec-url="/openapi.json"');
    expect(html).not.toMatch(/(src|href)="(https?:)?\/\//);
    const scripts = [...html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/g)];
    expect(scripts.length).toBeGreaterThan(0);
    for (const [, attributes, body] of scripts) {
      expect(attributes).toMatch(/src="\/docs\//);
      expect(body.trim()).toBe('');
    }
    expect(html).not.toMatch(/\son\w+=/);
  });

  it("runs under helmet's default policy of script-src self", async () => {
    const res = await fetch(`${base}/docs`);
    expect(res.headers.get('content-security-policy')).toContain("script-src 'self'");
  });

  it('serves every asset the page links', async () => {
    const html = await (await fetch(`${base}/docs`)).text();
    const links = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]);
    expect(links).toEqual(
      expect.arrayContaining([
        '/docs/assets/swagger-ui.css',
        '/docs/assets/swagger-ui-bundle.js',
        '/docs/init.js',
      ]),
    );
    for (const link of links) {
      const res = await fetch(`${base}${link}`);
      expect([link, res.status]).toEqual([link, 200]);
      await res.arrayBuffer();
    }
  });

  it('serves the initializer as JavaScript that reads the data attribute', async () => {
    const res = await fetch(`${base}/docs/init.js`);
    expect(res.headers.get('content-type')).toMatch(/javascript/);
    const script = await res.text();
    expect(script).toContain("getAttribute('data-spec-url')");
    expect(script).toContain('validatorUrl: null');
  });

  it('does not serve the files of swagger-ui-dist that the page does not use', async () => {
    for (const file of [
      'swagger-initializer.js',
      'index.html',
      'package.json',
      '../package.json',
    ]) {
      const res = await fetch(`${base}/docs/assets/${file}`);
      expect([file, res.status]).toEqual([file, 404]);
      await res.arrayBuffer();
    }
  });

  it('escapes the document URL in the page', async () => {
    const app = express();
    app.use(docsRouter({ specUrl: '/openapi.json?x="><script>' }));
    const other = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => other.once('listening', resolve));
    try {
      const port = (other.address() as AddressInfo).port;
      const html = await (await fetch(`http://127.0.0.1:${port}/docs`)).text();
      expect(html).toContain('data-spec-url="/openapi.json?x=&quot;&gt;&lt;script&gt;"');
    } finally {
      await new Promise((resolve) => other.close(resolve));
    }
  });
});
