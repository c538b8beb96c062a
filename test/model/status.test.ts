// The statuses are spelled once: the init migration's CHECK, the API enum and the dashboard's filter all read the same list.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { MIGRATIONS_DIR } from '../../src/db/migrate.ts';
import { FINAL_STATUSES, isFinal, RUN_STATUSES } from '../../src/model/status.ts';
import { RunStatusSchema } from '../../src/schemas/runs.ts';

describe('run statuses', () => {
  it('the SQL CHECK of the init migration allows exactly RUN_STATUSES', () => {
    const sql = readFileSync(`${MIGRATIONS_DIR}20261126222637_init/migration.sql`, 'utf8');
    const check = /CHECK \("status" IN \(([^)]*)\)\)/.exec(sql);
    expect(check).not.toBeNull();
    const listed = check![1].split(',').map((s) => s.trim().replace(/^'|'$/g, ''));
    expect([...listed].sort()).toEqual([...RUN_STATUSES].sort());
  });

  it('the API enum is the same list, and the final ones are the statuses a run never leaves', () => {
    expect(RunStatusSchema.options).toEqual([...RUN_STATUSES]);
    expect(RUN_STATUSES.filter(isFinal)).toEqual([...FINAL_STATUSES]);
    expect(isFinal('queued') || isFinal('running') || isFinal('unknown')).toBe(false);
  });
});
