// docker-compose.yml: Compose itself accepts it, and the config it resolves has what deployment relies on.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';

const root = fileURLToPath(new URL('../..', import.meta.url));
const INSTALL_HINT =
  'install Compose to validate docker-compose.yml: on Debian `apt-get install -y --no-install-recommends docker-compose` ' +
  '(no Docker engine needed), or the Docker Compose v2 plugin (`docker compose`)';

/** The Compose command line available here: Debian's `docker-compose` (v1), else the `docker compose` plugin. */
function findCompose(): string[] | undefined {
  for (const cmd of [['docker-compose'], ['docker', 'compose']]) {
    const r = spawnSync(cmd[0], [...cmd.slice(1), 'version'], { encoding: 'utf8' });
    if (!r.error && r.status === 0) return cmd;
  }
  return undefined;
}

/** Runs Compose on our file with a fixed environment, so a developer's shell variables don't change the result. */
function compose(cmd: string[], args: string[]) {
  return spawnSync(cmd[0], [...cmd.slice(1), '-f', 'docker-compose.yml', '--profile', 'scale', ...args], {
    cwd: root,
    encoding: 'utf8',
    env: { PATH: process.env.PATH, HOME: process.env.HOME },
  });
}

/** Compose durations ("15s", "1m30s", "500ms") in milliseconds. */
function durationMs(d: string): number {
  const units: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  const parts = [...d.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h)/g)];
  expect(parts.map((p) => p[0]).join(''), `duration ${d}`).toBe(d);
  return parts.reduce((sum, [, n, unit]) => sum + Number(n) * units[unit], 0);
}

interface Service {
  image?: string;
  build?: unknown;
  container_name?: string;
  environment?: Record<string, string | null>;
  depends_on?: Record<string, { condition?: string }>;
  healthcheck?: { test?: string[] | string; disable?: boolean };
  ports?: Array<string | { target: number | string; published?: number | string }>;
  volumes?: Array<string | { type?: string; source?: string; target: string }>;
  profiles?: string[];
  deploy?: { replicas?: number };
  stop_grace_period?: string;
  init?: boolean;
}
interface ComposeConfig {
  services: Record<string, Service>;
  volumes?: Record<string, unknown>;
}

describe('docker-compose.yml', () => {
  let cmd: string[];
  let config: ComposeConfig;

  beforeAll(() => {
    const found = findCompose();
    if (!found) throw new Error(`no Compose binary found: ${INSTALL_HINT}`);
    cmd = found;
    const r = compose(cmd, ['config']);
    expect(r.status, `${cmd.join(' ')} config failed:\n${r.stderr}`).toBe(0);
    config = parse(r.stdout) as ComposeConfig;
  });

  it('is valid for Compose (`config -q` exits 0)', () => {
    const r = compose(cmd, ['config', '-q']);
    expect(r.status, r.stderr).toBe(0);
  });

  it('runs Postgres 15 with a healthcheck and its data on a named volume', () => {
    const pg = config.services.postgres;
    expect(pg.image).toMatch(/^postgres:15/);
    expect(pg.healthcheck?.test?.length).toBeGreaterThan(0);
    expect(JSON.stringify(pg.healthcheck?.test)).toContain('pg_isready');
    const data = (pg.volumes ?? [])
      .map((v) => (typeof v === 'string' ? { source: v.split(':')[0], target: v.split(':')[1] } : v))
      .find((v) => v.target === '/var/lib/postgresql/data');
    expect(data?.source, 'postgres data volume').toBeDefined();
    expect(Object.keys(config.volumes ?? {})).toContain(data?.source);
  });

  it('starts gradscope after Postgres is healthy, pointed at it, with its own healthcheck', () => {
    const app = config.services.gradscope;
    expect(app.build, 'gradscope is built from this repository').toBeDefined();
    expect(app.depends_on?.postgres?.condition).toBe('service_healthy');
    expect(app.environment?.DATABASE_URL).toMatch(/^postgresql:\/\/[^@]+@postgres:5432\/gradscope$/);
    expect(app.healthcheck?.disable).not.toBe(true);
    expect(JSON.stringify(app.healthcheck?.test)).toMatch(/\/(healthz|readyz)/);
    const ports = (app.ports ?? []).map((p) => (typeof p === 'string' ? p : `${p.published}:${p.target}`));
    expect(ports).toContain('3000:3000');
  });

  it('passes the operator settings through, empty (= service default) when unset', () => {
    const env = config.services.gradscope.environment ?? {};
    for (const name of ['WORKERS', 'QUEUE_MAX_DEPTH', 'LOG_LEVEL', 'AUTH_TOKENS'])
      expect(env).toHaveProperty(name);
    expect(env.AUTH_TOKENS ?? '').toBe('');
  });

  it('gives a stopping instance more time than its own shutdown grace', () => {
    for (const name of ['gradscope', 'gradscope-replica']) {
      const s = config.services[name];
      const grace = Number(s.environment?.SHUTDOWN_GRACE_MS ?? 10_000);
      expect(durationMs(s.stop_grace_period ?? '10s'), name).toBeGreaterThan(grace);
    }
  });

  it('scales: replicas under the `scale` profile share the database and publish no port', () => {
    const replica = config.services['gradscope-replica'];
    expect(replica.profiles).toEqual(['scale']);
    expect(replica.deploy?.replicas).toBeGreaterThanOrEqual(2);
    expect(replica.image).toBe(config.services.gradscope.image);
    expect(replica.environment?.DATABASE_URL).toBe(config.services.gradscope.environment?.DATABASE_URL);
    expect(replica.depends_on?.gradscope?.condition).toBe('service_healthy');
    expect(replica.ports ?? []).toEqual([]);
    // A fixed container name would make every replica after the first fail to start.
    for (const s of Object.values(config.services)) expect(s.container_name).toBeUndefined();
  });
});
