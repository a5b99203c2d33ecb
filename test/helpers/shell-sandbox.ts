import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Values that would rewrite a shell script pasted together from text: a quote that ends the string
 * and starts a command, command substitution both ways, a newline and a single quote. Each tries
 * to create a file in the folder the script runs in, so "no file appeared" proves it stayed data.
 */
export const HOSTILE_SHELL_VALUES = [
  '"; touch pwned_quote; #',
  '$(touch pwned_dollar)$(id)',
  '`touch pwned_backquote`',
  "line1\ntouch pwned_newline\n'; touch pwned_single; '",
];

let root: string | undefined;
let runs = 0;

/** Removes the sandboxes (call from afterAll). */
export function cleanShellSandboxes(): void {
  if (root) rmSync(root, { recursive: true, force: true });
  root = undefined;
}

/**
 * Runs a container's argv as the engine would start it, with exactly the given env (plus PATH), in
 * a fresh empty folder; returns what it printed, the files it left and its exit status.
 */
export function runInSandbox(argv: string[], env: Record<string, string>): { stdout: string; files: string[]; status: number | null } {
  root ??= mkdtempSync(join(tmpdir(), 'flowc-sh-'));
  const work = join(root, `run-${runs++}`);
  mkdirSync(work);
  const [program, ...args] = argv;
  const r = spawnSync(program as string, args, { cwd: work, env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...env }, encoding: 'utf8' });
  return { stdout: r.stdout, files: readdirSync(work), status: r.status };
}
