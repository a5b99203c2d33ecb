/** Where the progress bar draws; matches the CLI's io. */
export interface ProgressIO {
  stderr: (text: string) => void;
  stderrIsTTY: boolean;
  env: Record<string, string | undefined>;
}

export interface Progress {
  update: (done: number, total: number) => void;
  /** Erases the bar, so diagnostics and the summary print on a clean line. */
  finish: () => void;
}

const WIDTH = 30;

/**
 * A one-line progress bar on stderr, redrawn in place with `\r`. Only on a terminal and never
 * under CI (`CI=true`, as CI services set it): piped output and logs get no control characters.
 * Redraws only when the bar or count changes by at least 1%, so 10,000 units do not write 10,000
 * lines to a slow terminal.
 */
export function createProgress(io: ProgressIO, noun: string): Progress {
  const ci = io.env.CI !== undefined && io.env.CI !== '' && io.env.CI !== 'false' && io.env.CI !== '0';
  if (!io.stderrIsTTY || ci) return { update: () => {}, finish: () => {} };
  let drawn = -1;
  let shown = false;
  return {
    update: (done, total) => {
      const percent = total === 0 ? 100 : Math.floor((done * 100) / total);
      if (percent === drawn && done !== total) return;
      drawn = percent;
      shown = true;
      const filled = total === 0 ? WIDTH : Math.round((done * WIDTH) / total);
      io.stderr(`\r\x1b[2K[${'#'.repeat(filled)}${'.'.repeat(WIDTH - filled)}] ${done}/${total} ${noun}`);
    },
    finish: () => {
      if (shown) io.stderr('\r\x1b[2K');
    },
  };
}
