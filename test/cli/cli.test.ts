// Every `gradscope` command as a user runs it (a child process, stdout not a terminal) against a real service on
// PGlite and Postgres: its output, its exit code, and its problems' field pointers.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COMMANDS } from '../../src/cli/commands.ts';
import { EXIT } from '../../src/cli/exit-codes.ts';
import { DB_KINDS, freshDatabase, type TestDatabase } from '../helpers/databases.ts';
import { freePort } from '../helpers/instances.ts';
import { http, type RunningService, startService, waitFor } from '../helpers/service.ts';
import { probe, quickTrain, slowTrain } from '../helpers/specs.ts';
import { cli, ROOT } from './run-cli.ts';

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/;
const ESC = '\u001b';

const diverging = {
  kind: 'train',
  name: 'diverges',
  network: {
    inputSize: 4,
    layers: Array.from({ length: 10 }, () => ({ units: 4, activation: 'linear', bias: false })),
    loss: 'mse',
  },
  init: { weights: { scheme: 'identity', scale: 1.5 } },
  data: { source: 'linear', n: 64, features: 4, outputs: 4 },
  training: { optimizer: { kind: 'sgd', lr: 10 }, steps: 500 },
};

it('--help for gradscope and for every command', async () => {
  const top = await cli(['--help']);
  expect(top.code).toBe(0);
  for (const c of COMMANDS) expect(top.stdout).toContain(`  ${c.name} `);
  expect(top.stdout).toContain('5  the server is unreachable');
  // From a clone, as `npx gradscope` (package.json bin).
  const npx = execFileSync('npx', ['--no-install', 'gradscope', '--help'], { cwd: ROOT, encoding: 'utf8' });
  expect(npx).toBe(top.stdout);
  for (const c of COMMANDS) {
    const r = await cli([c.name, '--help']);
    expect(r.code, c.name).toBe(0);
    expect(r.stdout).toContain(`Usage: ${c.usage}`);
    expect(r.stdout).toContain('Exit codes:');
  }
});

it('bad arguments exit 2 with the usage line; an unreachable server exits 5', async () => {
  const unknown = await cli(['runs', '--colour']);
  expect(unknown.code).toBe(EXIT.invalidInput);
  expect(unknown.stderr).toContain("Unknown option '--colour'");
  expect(unknown.stderr).toContain('Usage: gradscope runs');
  expect((await cli(['frobnicate'])).code).toBe(EXIT.invalidInput);
  expect((await cli(['show'])).stderr).toContain('expected 1 argument(s), got 0');
  const closed = `http://127.0.0.1:${await freePort()}`;
  const off = await cli(['runs'], { GRADSCOPE_URL: closed });
  expect(off.code).toBe(EXIT.unreachable);
  expect(off.stderr).toContain(`The server is unreachable: ${closed}: ECONNREFUSED`);
});

describe.each(DB_KINDS)('gradscope on $kind', ({ kind, skip }) => {
  if (skip) {
    it.skip(`(${skip})`, () => {});
    return;
  }
  let db: TestDatabase;
  let svc: RunningService;
  let dir: string;
  let env: Record<string, string>;
  const spec = (name: string, value: unknown) => {
    const path = join(dir, `${name}.json`);
    writeFileSync(path, JSON.stringify(value));
    return path;
  };
  beforeAll(async () => {
    db = await freshDatabase(kind);
    svc = await startService(db);
    dir = mkdtempSync(join(tmpdir(), 'gradscope-cli-'));
    env = { GRADSCOPE_URL: svc.url };
  });
  afterAll(async () => {
    await svc?.close();
    await db?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('submit prints the id and exits 0; --json prints the API answer', async () => {
    const r = await cli(['submit', spec('probe', probe)], env);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`^submitted ${UUID.source} \\(queued\\)\\n$`));
    const j = await cli(['submit', spec('probe', probe), '--json'], env);
    expect(JSON.parse(j.stdout)).toMatchObject({ status: 'queued', links: { self: expect.any(String) } });
  });

  it('submit --follow off a terminal: a plain line per update, then the outcome and the diagnosis', async () => {
    const r = await cli(['submit', spec('train', quickTrain(400)), '--follow'], env);
    expect(r.code).toBe(0);
    expect(r.stdout).not.toContain(ESC);
    expect(r.stdout).not.toContain('\r');
    const lines = r.stdout.split('\n');
    const progress = lines.filter((l) => l.startsWith('step '));
    expect(progress.length).toBeGreaterThanOrEqual(15);
    expect(progress.at(-1)).toMatch(/^step 400\/400 █{10} 100% .* loss \d\.\d+ +∇rms [▁-█]{3}$/);
    expect(r.stdout).toMatch(/run .* train {2}succeeded/);
    expect(r.stdout).toMatch(/diagnosis: \w+ — At initialization \(step 0\)/);
  });

  it('submit --follow --json: one valid stream message per line, ending with end', async () => {
    const r = await cli(
      ['submit', spec('train', quickTrain(100)), '--follow', '--json', '--every', '10'],
      env,
    );
    expect(r.code).toBe(0);
    const msgs = r.stdout
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(msgs[0].type).toBe('hello');
    expect(msgs.at(-1).type).toBe('end');
    expect(msgs.filter((m) => m.type === 'step').map((m) => m.step)).toEqual([
      0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 99,
    ]);
  });

  it('submit --wait exits with the run: 0 succeeded, 3 diverged, 4 cancelled', async () => {
    const ok = await cli(['submit', spec('train', quickTrain(50)), '--wait'], env);
    expect(ok.code).toBe(EXIT.ok);
    expect(ok.stdout).toContain('final: loss');
    const div = await cli(['submit', spec('diverging', diverging), '--wait'], env);
    expect(div.code).toBe(EXIT.diverged);
    expect(div.stdout).toContain('diverged');

    const waiting = cli(['submit', spec('slow', slowTrain('cli cancel')), '--wait'], env);
    const run = await waitFor(async () => {
      const { body } = await http(`${svc.url}/v1/runs?name=cli%20cancel`);
      return body.items[0]?.status === 'running' ? body.items[0] : null;
    });
    const c = await cli(['cancel', run.id], env);
    expect(c.code).toBe(0);
    expect(c.stdout).toContain(run.id);
    const cancelled = await waiting;
    expect(cancelled.code).toBe(EXIT.cancelled);
    const again = await cli(['cancel', run.id], env);
    expect(again.code).toBe(EXIT.apiError);
    expect(again.stderr).toContain('409 run_finished');
  });

  it('an invalid spec exits 2 and prints each field pointer', async () => {
    const bad = {
      ...probe,
      network: { ...probe.network, layers: [{ units: 0, activation: 'tanh', colour: 1 }] },
    };
    const r = await cli(['submit', spec('bad', bad)], env);
    expect(r.code).toBe(EXIT.invalidInput);
    expect(r.stderr).toContain('(400 validation_failed)');
    expect(r.stderr).toContain('/body/network/layers/0/units');
    expect(r.stderr).toContain('/body/network/layers/0/colour: unknown key "colour"');
    const notJson = join(dir, 'broken.json');
    writeFileSync(notJson, '{"kind": ');
    expect((await cli(['submit', notJson], env)).code).toBe(EXIT.invalidInput);
  });

  it('runs filters by status and kind; show, export, model and delete a run', async () => {
    const sub = JSON.parse(
      (await cli(['submit', spec('t', quickTrain(120)), '--wait', '--json'], env)).stdout,
    );
    const list = await cli(['runs', '--kind', 'train', '--status', 'succeeded'], env);
    expect(list.code).toBe(0);
    expect(list.stdout.split('\n')[0]).toMatch(/^id +kind +status +steps +created +name$/);
    expect(list.stdout).toContain(sub.id);
    const rows = list.stdout.trimEnd().split('\n').slice(1);
    for (const row of rows) expect(row).toMatch(/ train +succeeded /);
    const probes = await cli(['runs', '--kind', 'probe', '--json', '--limit', '1'], env);
    expect(probes.stdout.trimEnd().split('\n')).toHaveLength(1);
    expect(JSON.parse(probes.stdout).kind).toBe('probe');
    expect((await cli(['runs', '--status', 'nope'], env)).code).toBe(EXIT.invalidInput);

    const show = await cli(['show', sub.id], env);
    expect(show.stdout).toContain(`run ${sub.id}  train  succeeded  "quick"`);
    expect(show.stdout).toContain('progress: step 120/120');

    const csv = join(dir, 'run.csv');
    const ex = await cli(['export', sub.id, '--format', 'csv', '--out', csv, '--fields', 'gradRms'], env);
    expect(ex.code).toBe(0);
    expect(ex.stdout).toBe(`wrote ${csv}: 120 of 120 recorded steps\n`);
    const lines = readFileSync(csv, 'utf8').trimEnd().split('\n');
    expect(lines[0]).toBe('step,loss,globalGradNorm,trainAccuracy,testAccuracy,layer,gradRms');
    expect(lines).toHaveLength(1 + 120 * 3);
    const nd = join(dir, 'run.ndjson');
    await cli(['export', sub.id, '--format', 'ndjson', '--layout', 'wide', '--out', nd], env);
    expect(readFileSync(nd, 'utf8').trimEnd().split('\n')).toHaveLength(120);
    expect((await cli(['export', sub.id, '--format', 'xml', '--out', nd], env)).code).toBe(EXIT.invalidInput);

    const weights = join(dir, 'model.json');
    expect((await cli(['model', sub.id, '--out', weights], env)).code).toBe(0);
    expect(JSON.parse(readFileSync(weights, 'utf8')).final[2].W).toHaveLength(1);

    expect((await cli(['delete', sub.id], env)).stdout).toBe(`deleted ${sub.id}\n`);
    const gone = await cli(['show', sub.id], env);
    expect(gone.code).toBe(EXIT.apiError);
    expect(gone.stderr).toContain('No such run');
  });

  it('gradcheck, probe and evaluate print their results', async () => {
    const gc = await cli(['gradcheck', join(ROOT, 'examples/gradcheck.json')], env);
    expect(gc.code).toBe(0);
    expect(gc.stdout).toMatch(/gradient check: pass — /);
    expect(gc.stdout).toMatch(/^layer +W difference +W checked +b difference +b checked$/m);
    const wrongKind = await cli(['gradcheck', join(ROOT, 'examples/relu30-he.json')], env);
    expect(wrongKind.code).toBe(EXIT.invalidInput);
    expect(wrongKind.stderr).toContain('is a probe spec');

    const pr = await cli(['probe', join(ROOT, 'examples/deep-linear-probe-1.5.json')], env);
    expect(pr.code).toBe(0);
    expect(pr.stdout).toContain('diagnosis: exploding');
    expect(pr.stdout).toMatch(/^layer +preactStd +actStd +deltaRms +gradRms$/m);

    const ev = await cli(['evaluate', join(ROOT, 'examples/evaluate.json')], env);
    expect(ev.code).toBe(0);
    expect(ev.stdout).toMatch(/^loss [\d.]+ \(data [\d.]+ \+ L2 0\), 3 samples$/m);
    expect(ev.stdout).toMatch(/^1 +1×3 /m);
    const evJson = JSON.parse(
      (await cli(['evaluate', join(ROOT, 'examples/evaluate.json'), '--json'], env)).stdout,
    );
    expect(evJson.gradients[0].dW).toHaveLength(3);
  });

  it('theory: a point, a grid with its critical line, the init advisor for a spec; bad axes exit 2', async () => {
    const relu = await cli(['theory', '--activation', 'relu', '--sigma-w2', '2'], env);
    expect(relu.code).toBe(0);
    expect(relu.stdout).toMatch(/^critical at σ_w² = 2, σ_b² = 0$/m);
    expect(relu.stdout).toMatch(/^χ₁ +1 +/m);

    const grid = await cli(['theory', '--sigma-w2', '0.5:2:4', '--sigma-b2', '0,0.05', '--json'], env);
    expect(grid.code).toBe(0);
    const g = JSON.parse(grid.stdout);
    expect(g.mode).toBe('grid');
    expect(g.sigmaW2).toEqual([0.5, 1, 1.5, 2]);
    expect(g.grid.phase[0]).toEqual(['ordered', 'critical', 'chaotic', 'chaotic']);
    const text = await cli(['theory', '--sigma-w2', '0.5,1,2', '--sigma-b2', '0.05'], env);
    expect(text.stdout).toMatch(/^σ_b² +σ_w² +phase +χ₁ +q\* +ξ_c$/m);
    expect(text.stdout).toMatch(/^0\.05 +2 +chaotic /m);
    expect(text.stdout).toMatch(/^critical line \(χ₁ = 1\):$/m);
    expect(Number(/^0\.05 +(1\.\d+)$/m.exec(text.stdout)?.[1])).toBeCloseTo(1.76, 1);

    const advice = await cli(['theory', '--spec', join(ROOT, 'examples/relu30-xavier.json')], env);
    expect(advice.code).toBe(0);
    expect(advice.stdout).toMatch(/^layer +σ_w² \(drawn\) +σ_b² +critical σ_w² +gain × /m);
    expect(advice.stdout).toMatch(/predicted change over the depth: forward ×[\d.e-]+, backward ×/);

    for (const args of [
      ['--sigma-w2', '1:x:3'],
      ['--sigma-w2', '1:2'],
      ['--activation', 'swish'],
      ['--spec', join(ROOT, 'examples/relu30-xavier.json'), '--activation', 'tanh'],
    ]) {
      const bad = await cli(['theory', ...args], env);
      expect(bad.code, args.join(' ')).toBe(EXIT.invalidInput);
      expect(bad.stderr).toMatch(/^gradscope theory: --/);
    }
    const server = await cli(['theory', '--sigma-w2', '0:1:3:log'], env);
    expect(server.code).toBe(EXIT.invalidInput);
    expect(server.stderr).toContain('/sigmaW2/from: a log axis starts above 0');
  });

  it('sweep: submit, --wait prints the results table, --follow a line per finished point; bad points exit 2', async () => {
    const file = join(ROOT, 'examples/sweep-depth-lr.json');
    const submitted = await cli(['sweep', file], env);
    expect(submitted.code).toBe(0);
    expect(submitted.stdout).toMatch(
      new RegExp(`^submitted sweep ${UUID.source}: 4 points \\(queued\\)\\n$`),
    );

    const waited = await cli(['sweep', file, '--wait'], env);
    expect(waited.code).toBe(EXIT.ok);
    expect(waited.stdout).toMatch(/ grid {2}finished {2}4\/4 points /);
    expect(waited.stdout).toMatch(
      /^# +values +status +final loss +test acc +verdict +log10 ∇ratio +to target +diverged$/m,
    );
    const rows = waited.stdout.split('\n').filter((l) => /^[0-3] +depth=/.test(l));
    expect(rows).toHaveLength(4);
    expect(rows[0]).toMatch(/^0 +depth=1 lr=0\.05 width=4 +succeeded +[\d.]+ +[\d.]+% /);

    const followed = await cli(['sweep', file, '--follow'], env);
    expect(followed.code).toBe(EXIT.ok);
    expect(followed.stdout).not.toContain(ESC);
    const lines = followed.stdout.split('\n').filter((l) => /^\d\/4 points: #\d /.test(l));
    expect(lines.map((l) => l.slice(0, 1)).sort()).toEqual(['1', '2', '3', '4']);

    const stream = await cli(['sweep', file, '--follow', '--json'], env);
    const msgs = stream.stdout
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(msgs[0].type).toBe('hello');
    expect(msgs.at(-1).type).toBe('end');
    expect(msgs.filter((m) => m.type === 'point')).toHaveLength(4);

    const bad = JSON.parse(readFileSync(file, 'utf8'));
    bad.axes[0] = { field: '/training/steps', values: [10, -5] };
    const refused = await cli(['sweep', spec('bad-sweep', bad)], env);
    expect(refused.code).toBe(EXIT.invalidInput);
    expect(refused.stderr).toMatch(/^ {2}\/body\/base\/training\/steps: point 2 \(steps=-5, /m);
  });
});
