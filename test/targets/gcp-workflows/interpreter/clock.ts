/**
 * Virtual time: `sleep` resolves when the driver advances the clock to its deadline. The driver
 * runs a task until every live branch waits on the clock, then moves to the earliest deadline, so
 * parallel branches overlap in virtual time exactly as their durations say.
 */
export class VirtualClock {
  now = 0;
  private timers: { at: number; seq: number; resolve: () => void }[] = [];
  private seq = 0;

  sleep(seconds: number): Promise<void> {
    return new Promise((resolve) => {
      this.timers.push({ at: this.now + seconds, seq: this.seq++, resolve });
    });
  }

  /** Runs `task` to completion in virtual time. */
  async run<T>(task: () => Promise<T>): Promise<T> {
    let done = false;
    const p = task().finally(() => {
      done = true;
    });
    p.catch(() => undefined);
    for (;;) {
      await new Promise((r) => setImmediate(r));
      if (done) return p;
      if (this.timers.length === 0) {
        await new Promise((r) => setImmediate(r));
        if (done) return p;
        if (this.timers.length === 0) throw new Error('deadlock: nothing runs and nothing waits on the clock');
      }
      this.timers.sort((a, b) => a.at - b.at || a.seq - b.seq);
      const next = this.timers.shift() as { at: number; resolve: () => void };
      this.now = Math.max(this.now, next.at);
      next.resolve();
    }
  }
}
