/** Where a command writes, so tests can drive the CLI in-process (ENGINEERING.md practice 9). */
export interface CliIO {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** True when stderr is a terminal: code frames are printed then. */
  stderrIsTTY: boolean;
  cwd: string;
  env: Record<string, string | undefined>;
}

/** Exit codes (SPEC section 5); 70 (EX_SOFTWARE) marks a bug in flowc itself. */
export const EXIT = { ok: 0, inputErrors: 1, usage: 2, internal: 70 } as const;

/** A usage problem found after commander parsed the arguments (exit 2). */
export class UsageError extends Error {
  constructor(
    message: string,
    readonly code: 'FLOWC002' | 'FLOWC003' = 'FLOWC003',
  ) {
    super(message);
    this.name = 'UsageError';
  }
}
