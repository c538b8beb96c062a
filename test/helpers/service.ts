// Starts the real service (app + database + worker pool) on a random port for integration tests.
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, it } from 'vitest';
import WebSocket from 'ws';
import { buildApp } from '../../src/app.ts';
import { type Config, loadConfig } from '../../src/config.ts';
import { isFinal } from '../../src/model/status.ts';
import { DB_KINDS, freshDatabase, type TestDatabase } from './databases.ts';

export interface RunningService {
  app: FastifyInstance;
  url: string;
  wsUrl: string;
  config: Config;
  close(): Promise<void>;
}

export async function startService(
  db: TestDatabase,
  env: Record<string, string> = {},
  extra: { workerFile?: string; pingMs?: number } = {},
): Promise<RunningService> {
  const config = loadConfig({
    DATABASE_URL: db.databaseUrl,
    DATA_DIR: db.dataDir,
    WORKERS: '2',
    POLL_MS: '50',
    LEASE_MS: '3000',
    SHUTDOWN_GRACE_MS: '2000',
    RATE_LIMIT_PER_MINUTE: '0',
    LOG_LEVEL: 'silent',
    PORT: '0',
    HOST: '127.0.0.1',
    ...env,
  });
  const logger = process.env.TEST_LOG_LEVEL ? { level: process.env.TEST_LOG_LEVEL } : false;
  // Migrated through the database the app opens, as `npm start` does: an embedded folder is opened once.
  const app = await buildApp({
    config,
    logger,
    migrate: true,
    workerFile: extra.workerFile,
    pingMs: extra.pingMs,
  });
  await app.listen({ port: 0, host: '127.0.0.1', backlog: config.LISTEN_BACKLOG });
  const address = app.server.address();
  if (!address || typeof address === 'string') throw new Error('startService: no TCP address');
  const url = `http://127.0.0.1:${address.port}`;
  return { app, url, wsUrl: url.replace('http', 'ws'), config, close: () => app.close() };
}

/** JSON request helper: returns status, headers and parsed body. */
export async function http(
  url: string,
  init: { method?: string; body?: unknown; headers?: Record<string, string> } = {},
): Promise<{ status: number; headers: Headers; body: any }> {
  const res = await fetch(url, {
    method: init.method ?? (init.body === undefined ? 'GET' : 'POST'),
    headers: { ...(init.body === undefined ? {} : { 'content-type': 'application/json' }), ...init.headers },
    body:
      init.body === undefined
        ? undefined
        : typeof init.body === 'string'
          ? init.body
          : JSON.stringify(init.body),
  });
  const text = await res.text();
  let body: any = text;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {}
  return { status: res.status, headers: res.headers, body };
}

/** Collects every message of a WebSocket until it closes (or `until` says stop). */
export function collect(
  wsUrl: string,
  until?: (messages: any[]) => boolean,
  timeoutMs = 30_000,
): Promise<{ messages: any[]; code: number; reason: string }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(wsUrl);
    const messages: any[] = [];
    const timer = setTimeout(() => {
      ws.terminate();
      reject(new Error(`collect(${wsUrl}): timed out after ${messages.length} messages`));
    }, timeoutMs);
    ws.on('message', (data) => {
      messages.push(JSON.parse(String(data)));
      if (until?.(messages)) ws.close();
    });
    ws.on('close', (code, reason) => {
      clearTimeout(timer);
      resolve({ messages, code, reason: String(reason) });
    });
    ws.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
  });
}

export async function waitFor<T>(
  fn: () => Promise<T | null | undefined | false>,
  timeoutMs = 30_000,
  what = 'condition',
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`waitFor: ${what} not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The run once it has finished (succeeded, failed, cancelled or diverged). */
export function runFinished(svc: RunningService, id: string, timeoutMs = 60_000): Promise<any> {
  return waitFor(
    async () => {
      const r = await http(`${svc.url}/v1/runs/${id}`);
      return isFinal(r.body.status) ? r.body : null;
    },
    timeoutMs,
    `run ${id} to finish`,
  );
}

/** How describeServiceOnEachDatabase starts its service: startService's `env` and `extra`. */
export interface ServiceStart {
  env?: Record<string, string>;
  extra?: Parameters<typeof startService>[2];
}

/**
 * Declares `body` once per database kind against a fresh service started as `start` says (a kind that cannot
 * run is one skipped test, with the reason); `svc()` is that service inside the tests and hooks.
 */
export function describeServiceOnEachDatabase(name: string, body: (svc: () => RunningService) => void): void;
export function describeServiceOnEachDatabase(
  name: string,
  start: ServiceStart,
  body: (svc: () => RunningService) => void,
): void;
export function describeServiceOnEachDatabase(
  name: string,
  startOrBody: ServiceStart | ((svc: () => RunningService) => void),
  maybeBody?: (svc: () => RunningService) => void,
): void {
  const [start, body] = typeof startOrBody === 'function' ? [{}, startOrBody] : [startOrBody, maybeBody!];
  describe.each(DB_KINDS)(`${name} on $kind`, ({ kind, skip }) => {
    if (skip) {
      it.skip(`(${skip})`, () => {});
      return;
    }
    let db: TestDatabase | undefined;
    let svc: RunningService | undefined;
    beforeAll(async () => {
      db = await freshDatabase(kind);
      svc = await startService(db, start.env, start.extra);
    });
    afterAll(async () => {
      await svc?.close();
      await db?.drop();
    });
    body(() => svc!);
  });
}
