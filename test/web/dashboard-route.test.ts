// The dashboard plugin: index.html revalidated, hashed bundles cached for a year, unknown files the app's 404
// problem, and a 503 problem naming the build command when the dashboard has not been built.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { registerProblemHandling } from '../../src/http/problems.ts';
import { dashboardRoutes } from '../../src/routes/dashboard.ts';

const dirs: string[] = [];
const apps: FastifyInstance[] = [];

afterEach(async () => {
  for (const app of apps.splice(0)) await app.close();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

async function appServing(files: Record<string, string>): Promise<FastifyInstance> {
  const root = mkdtempSync(join(tmpdir(), 'gradscope-dist-'));
  dirs.push(root);
  for (const [name, body] of Object.entries(files)) writeFileSync(join(root, name), body);
  const app = Fastify();
  apps.push(app);
  registerProblemHandling(app);
  await app.register(dashboardRoutes, { root });
  return app;
}

describe('dashboardRoutes', () => {
  it('serves index.html at / and caches hashed assets for a year', async () => {
    const app = await appServing({
      'index.html': '<!doctype html><title>Gradscope</title><script src="app-ABCD1234.js"></script>',
      'app-ABCD1234.js': 'console.log(1)',
      'app-ABCD1234.js.map': '{}',
      'favicon.svg': '<svg/>',
    });
    expect(app.hasRoute({ method: 'GET', url: '/' })).toBe(true);
    const index = await app.inject({ url: '/' });
    expect(index.statusCode).toBe(200);
    expect(index.headers['content-type']).toMatch(/text\/html/);
    expect(index.headers['cache-control']).toBe('no-cache');
    expect(index.body).toContain('<title>Gradscope</title>');
    expect((await app.inject({ url: '/index.html' })).headers['cache-control']).toBe('no-cache');

    const js = await app.inject({ url: '/app-ABCD1234.js' });
    expect(js.statusCode).toBe(200);
    expect(js.headers['content-type']).toMatch(/javascript/);
    expect(js.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect((await app.inject({ url: '/app-ABCD1234.js.map' })).headers['cache-control']).toContain(
      'immutable',
    );
    expect((await app.inject({ url: '/favicon.svg' })).headers['cache-control']).toBe('public, max-age=3600');
  });

  it('answers unknown files and paths outside the folder with the 404 problem', async () => {
    const app = await appServing({ 'index.html': '<!doctype html>' });
    for (const url of ['/app-00000000.js', '/../package.json', '/%2e%2e/package.json']) {
      const res = await app.inject({ url });
      expect(res.statusCode, url).toBe(404);
      expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
    }
  });

  it('answers 503 with the build command when the dashboard has not been built', async () => {
    const root = mkdtempSync(join(tmpdir(), 'gradscope-nodist-'));
    dirs.push(root);
    mkdirSync(join(root, 'empty'));
    const app = Fastify();
    apps.push(app);
    registerProblemHandling(app);
    await app.register(dashboardRoutes, { root: join(root, 'empty') });
    for (const url of ['/', '/index.html']) {
      const res = await app.inject({ url });
      expect(res.statusCode).toBe(503);
      expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
      expect(res.headers['cache-control']).toBe('no-store');
      const problem = res.json();
      expect(problem).toMatchObject({
        status: 503,
        title: 'The dashboard has not been built',
        code: 'unavailable',
      });
      expect(problem.detail).toContain('npm run build:web');
    }
  });
});
