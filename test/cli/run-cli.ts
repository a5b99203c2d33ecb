import { createProgram } from '../../src/cli/program.js';

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Drives the CLI in-process, as `flowc ...args` run from `cwd`. */
export async function runCli(args: string[], options: { cwd: string; env?: Record<string, string>; tty?: boolean }): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const program = createProgram({
    stdout: (t) => void (stdout += t),
    stderr: (t) => void (stderr += t),
    stderrIsTTY: options.tty ?? false,
    cwd: options.cwd,
    env: options.env ?? {},
  });
  const code = await program.run(args);
  return { code, stdout, stderr };
}
