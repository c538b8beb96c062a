// Polls /healthz all through a storm from outside the server process: records how long each answer took (a slow
// answer means the event loop was blocked) and, when one has been pending too long, declares the server wedged.

export interface Stall {
  ms: number;
  phase: string;
}

export class Watchdog {
  /** The storm running now (set by the suite). */
  phase = 'setup';
  polls = 0;
  /** Probes that got no answer (an error or a timeout), as opposed to a slow one. */
  unanswered: Stall[] = [];
  private readonly samples: Stall[] = [];
  private stopped = false;
  private pendingSince = 0;
  private readonly loop: Promise<void>;
  private readonly checker: NodeJS.Timeout;

  constructor(
    private readonly url: string,
    /** Called once, when a probe has been pending for wedgeMs. */
    private readonly onWedged: (pendingMs: number, phase: string) => void,
    private readonly wedgeMs = 8000,
    private readonly everyMs = 100,
  ) {
    this.loop = this.run();
    let reported = false;
    this.checker = setInterval(() => {
      const pending = this.pendingSince ? Date.now() - this.pendingSince : 0;
      if (!reported && pending > this.wedgeMs) {
        reported = true;
        this.onWedged(pending, this.phase);
      }
    }, 250);
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      const phase = this.phase;
      this.pendingSince = Date.now();
      let answered = true;
      try {
        await (await fetch(this.url, { signal: AbortSignal.timeout(120_000) })).arrayBuffer();
      } catch {
        // An unanswered probe counts with the time it took, and is listed (unless the watchdog was stopping).
        answered = this.stopped;
      }
      const ms = Date.now() - this.pendingSince;
      if (!answered) this.unanswered.push({ ms, phase });
      this.pendingSince = 0;
      this.polls++;
      this.samples.push({ ms, phase: phase === this.phase ? phase : `${phase} → ${this.phase}` });
      await new Promise((r) => setTimeout(r, this.everyMs));
    }
  }

  /** How long the current probe has been pending (0 when none is). */
  pendingMs(): number {
    return this.pendingSince ? Date.now() - this.pendingSince : 0;
  }

  /** Stops polling (a probe still pending is abandoned). */
  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.checker);
    await Promise.race([this.loop, new Promise((r) => setTimeout(r, 1000))]);
  }

  /** The median time of the answers so far: how fast /healthz answers on this machine, under this load. */
  medianMs(): number {
    const ms = this.samples.map((s) => s.ms).sort((a, b) => a - b);
    return ms.length ? ms[Math.floor(ms.length / 2)] : 0;
  }

  /** Probes slower than `ms` (a pending one included), slowest first. */
  stalls(ms: number): Stall[] {
    const pending = this.pendingSince
      ? [{ ms: Date.now() - this.pendingSince, phase: `${this.phase} (still pending)` }]
      : [];
    return [...this.samples, ...pending].filter((s) => s.ms > ms).sort((a, b) => b.ms - a.ms);
  }
}
