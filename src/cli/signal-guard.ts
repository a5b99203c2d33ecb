/**
 * Catches SIGINT and SIGTERM for the duration of a write, so that an interrupt ends it cleanly
 * (temporary files removed, nothing half-committed) instead of killing the process between two
 * renames. Installed only around the write: the rest of a run keeps Node's default behaviour.
 */
export interface SignalGuard {
  /** The first signal received since the guard was installed. */
  readonly caught: NodeJS.Signals | undefined;
  /** Lets the event loop deliver pending signals, then uninstalls the handlers. */
  release(): Promise<void>;
}

const SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM'];

export function guardSignals(): SignalGuard {
  let caught: NodeJS.Signals | undefined;
  const onSignal = (signal: NodeJS.Signals) => {
    caught ??= signal;
  };
  for (const s of SIGNALS) process.on(s, onSignal);
  return {
    get caught() {
      return caught;
    },
    async release() {
      // A signal that arrived during synchronous work is queued in libuv; one turn of the loop
      // delivers it here rather than to the default handler after we uninstall.
      await turn();
      for (const s of SIGNALS) process.off(s, onSignal);
    },
  };
}

/** One turn of the event loop, so signal handlers get to run between two files. */
export function turn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** The shell's exit status for death by a signal (128 + its number): 130 for SIGINT, 143 for SIGTERM. */
export function signalExitCode(signal: NodeJS.Signals): number {
  return signal === 'SIGINT' ? 130 : 143;
}
