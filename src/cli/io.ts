/** Where a command writes, so tests can drive the CLI in-process (ENGINEERING.md practice 9). */
export interface CliIO {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** True when stderr is a terminal: code frames are printed then. */
  stderrIsTTY: boolean;
  /** True when stdout is a terminal: `--check` diffs are coloured then (see diagnostics/colour.ts). */
  stdoutIsTTY?: boolean;
  /** `--quiet`: print errors only, no warnings. */
  quiet?: boolean;
  /** `--no-progress` sets this to false: no progress bar even on a terminal. */
  progress?: boolean;
  cwd: string;
  env: Record<string, string | undefined>;
  /**
   * Where a `--diagnostics json` document goes when not stderr (stdout, when the command prints no
   * artifact there; see usage-errors.ts jsonOnStdout). Set by the program, with `jsonWritten`.
   */
  jsonOut?: (text: string) => void;
  jsonWritten?: boolean;
}

/** Exit codes (SPEC section 5); 70 (EX_SOFTWARE) marks a bug in flowc itself. */
export const EXIT = { ok: 0, inputErrors: 1, usage: 2, internal: 70 } as const;

/** A usage problem found after commander parsed the arguments (exit 2). */
export class UsageError extends Error {
  constructor(
    message: string,
    readonly code: 'FLOWC002' | 'FLOWC003' | 'FLOWC009' | 'FLOWC010' | 'FLOWC020' | 'FLOWC021' | 'FLOWC030' | 'FLOWC031' | 'FLOWC032' | 'FLOWC033' = 'FLOWC003',
    readonly notes: string[] = [],
  ) {
    super(message);
    this.name = 'UsageError';
  }
}
