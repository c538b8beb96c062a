// `gradscope submit --follow` in a real terminal (tmux): one progress line redrawn in place as the run goes,
// colours on, and a final screen with the outcome and the diagnosis.
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DB_KINDS, freshDatabase, type TestDatabase } from '../helpers/databases.ts';
import { type RunningService, startService, waitFor } from '../helpers/service.ts';
import { quickTrain } from '../helpers/specs.ts';
import { BIN, ROOT } from './run-cli.ts';

const STEPS = 30_000;
// 750 training samples: a few seconds of training, so the redrawn line is seen at several steps however fast the
// core gets (with the helper's 150 samples the run once ended between two looks).
const DATA = { source: 'circles', n: 1000, noise: 0.05, testFraction: 0.25, seed: 1 };
const tmux = (...args: string[]) => execFileSync('tmux', args, { encoding: 'utf8' });
describe.each(DB_KINDS.filter((d) => !d.skip))('--follow in tmux on $kind', ({ kind }) => {
  let db: TestDatabase;
  let svc: RunningService;
  const session = `gradscope-follow-${process.pid}-${kind}`;
  beforeAll(async () => {
    try {
      tmux('-V');
    } catch {
      throw new Error('tmux is missing: apt-get install -y tmux');
    }
    db = await freshDatabase(kind);
    svc = await startService(db);
  });
  afterAll(async () => {
    try {
      tmux('kill-session', '-t', session);
    } catch {}
    await svc?.close();
    await db?.drop();
  });

  it('redraws one progress line in place, then shows the diagnosis', { timeout: 180_000 }, async () => {
    const spec = join(tmpdir(), `${session}.json`);
    writeFileSync(spec, JSON.stringify(quickTrain(STEPS, { telemetry: { every: 10 }, data: DATA })));
    const command = `GRADSCOPE_URL=${svc.url} NODE_OPTIONS= ${process.execPath} ${BIN} submit ${spec} --follow; echo EXIT=$?; sleep 600`;
    tmux('new-session', '-d', '-s', session, '-x', '180', '-y', '40', command);
    const screen = (escapes = false) =>
      tmux('capture-pane', '-p', ...(escapes ? ['-e'] : []), '-t', session).split('\n');
    const stepLines = (lines: string[]) => lines.filter((l) => l.startsWith('step '));
    const doneOf = (line: string) => Number(/^step ([\d,]+)\//.exec(line)![1].replace(/,/g, ''));

    // Several looks while it runs: always exactly one progress line, its step count moving forward.
    const seen: number[] = [];
    await waitFor(
      async () => {
        const lines = screen();
        const progress = stepLines(lines);
        if (lines.some((l) => l.startsWith('EXIT='))) return true;
        if (progress.length > 0) {
          expect(progress).toHaveLength(1);
          const done = doneOf(progress[0]);
          if (done < STEPS && done !== seen.at(-1)) seen.push(done);
        }
        return false;
      },
      240_000,
      'the command to exit',
    );
    expect(seen.length).toBeGreaterThanOrEqual(2);
    expect(seen).toEqual([...seen].sort((a, b) => a - b));

    const final = screen();
    expect(stepLines(final)).toHaveLength(1);
    expect(stepLines(final)[0]).toMatch(/^step 30,000\/30,000 █{20} 100% .* ∇rms [▁-█]{3}$/);
    expect(final.join('\n')).toMatch(/diagnosis: \w+ — At initialization \(step 0\)/);
    expect(final).toContain('EXIT=0');
    // On a terminal the status is coloured (green for succeeded)…
    expect(screen(true).join('\n')).toContain('\u001b[32msucceeded');
    // …unless NO_COLOR is set.
    const id = /following run (\S+)/.exec(final.join('\n'))![1];
    tmux(
      'respawn-pane',
      '-k',
      '-t',
      session,
      `NO_COLOR=1 GRADSCOPE_URL=${svc.url} NODE_OPTIONS= ${process.execPath} ${BIN} show ${id}; echo SHOWN=$?; sleep 600`,
    );
    await waitFor(async () => screen().some((l) => l.startsWith('SHOWN=')), 60_000, 'show to exit');
    const plain = screen(true).join('\n');
    expect(plain).toContain(`run ${id}  train  succeeded`);
    expect(plain).toContain('SHOWN=0');
    expect(plain).not.toContain('\u001b[32m');
  });

  it('sweep --follow redraws its progress line and results table in place, then prints the whole table', async () => {
    const file = join(ROOT, 'examples/sweep-depth-lr.json');
    tmux(
      'respawn-pane',
      '-k',
      '-t',
      session,
      `GRADSCOPE_URL=${svc.url} NODE_OPTIONS= ${process.execPath} ${BIN} sweep ${file} --follow; echo SWEPT=$?; sleep 600`,
    );
    const screen = () => tmux('capture-pane', '-p', '-t', session).split('\n');
    await waitFor(async () => screen().some((l) => l.startsWith('SWEPT=')), 240_000, 'sweep to exit');
    const final = screen();
    // One progress line (redrawn, not repeated per point), then the final table: each point's row twice in all
    // (the live table, redrawn in place, and the final one).
    expect(final.filter((l) => /^\d\/4 points /.test(l))).toEqual([
      expect.stringMatching(/^4\/4 points █{20} 100%$/),
    ]);
    for (const i of [0, 1, 2, 3])
      expect(final.filter((l) => new RegExp(`^${i} +depth=`).test(l))).toHaveLength(2);
    expect(final.join('\n')).toMatch(
      /^sweep \S+ "depth × \(lr, width\) on circles" grid {2}finished {2}4\/4 points/m,
    );
    expect(final).toContain('SWEPT=0');
  });
});
