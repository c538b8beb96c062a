// The run stream's join race, made deterministic: the handshake reads the run record while the run is still
// training, the run then finishes (its end published to no one yet), and only then does the subscriber
// subscribe. It must still get the end and the close (1000), not hang on a run that will publish nothing more.
import { expect, it } from 'vitest';
import type { RunRecord } from '../../src/model/run.ts';
import { collect, describeServiceOnEachDatabase, http, waitFor } from '../helpers/service.ts';
import { quickTrain } from '../helpers/specs.ts';

/** A promise and its resolve, for a step the test releases. */
function gate<T = void>() {
  let open!: (v: T) => void;
  const opened = new Promise<T>((r) => {
    open = r;
  });
  return { open, opened };
}

describeServiceOnEachDatabase('the run stream join race', (svc) => {
  it('a subscriber whose handshake read the run before it finished still gets the end and the close', async () => {
    const app = svc().app;
    const created = await http(`${svc().url}/v1/runs`, { body: quickTrain(1_000_000) });
    const id: string = created.body.id;
    await waitFor(async () => (await http(`${svc().url}/v1/runs/${id}`)).body.status === 'running');

    // The handshake's read of the run record answers only once the run has finished: a stale 'running' record.
    const runs = app.runs;
    const get = runs.get;
    const readDone = gate<RunRecord>();
    const release = gate();
    runs.get = async (runId: string) => {
      const record = await get.call(runs, runId);
      if (runId !== id) return record;
      runs.get = get;
      readDone.open(record);
      await release.opened;
      return record;
    };
    const finished = gate();
    const unobserve = app.hub.observeLifecycle((event, run) => {
      if (event === 'finished' && run.id === id) finished.open();
    });
    try {
      const joined = collect(`${svc().wsUrl}/v1/runs/${id}/stream?from=0&every=1000000`, undefined, 15_000);
      expect((await readDone.opened).status).toBe('running');
      await http(`${svc().url}/v1/runs/${id}/cancel`, { method: 'POST' });
      // The end is published (to the hub's observers, before any subscriber of this run) before the read answers.
      await finished.opened;
      release.open();
      const { messages, code } = await joined;
      expect(code).toBe(1000);
      expect(messages[0].type).toBe('hello');
      expect(messages[0].run.status).toBe('running');
      const end = messages.at(-1);
      expect(end.type).toBe('end');
      expect(end.run.status).toBe('cancelled');
    } finally {
      runs.get = get;
      unobserve();
    }
  });
});
