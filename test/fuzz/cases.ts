import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { dirname, join } from 'node:path';

/**
 * A saved case: a folder of input files plus `case.json`, the way fixtures/fuzz-regressions/ and
 * fixtures/hostile/ keep them (see fixtures/fuzz-regressions/README.md):
 *
 * ```json
 * { "args": ["validate", "flow.yaml", "--target", "all"], "exit": 1, "codes": ["FLOWC102"],
 *   "child": true, "timeoutMs": 60000,
 *   "generate": { "flow.yaml": { "prefix": "a: ", "repeat": "[", "times": 100000 } },
 *   "symlinks": { "config/app.yaml": "/dev/zero" }, "fifos": ["config/pipe.yaml"],
 *   "env": { "NAME": "value" } }
 * ```
 * `generate` writes big files at run time (prefix + repeat x times + suffix) so the repo holds no
 * megabytes; `symlinks` and `fifos` make special files git cannot hold.
 */
export interface CaseSpec {
  args: string[];
  /** The expected exit code (1 for bad input, 0 for valid input). */
  exit: number;
  /** Codes that must be among the diagnostics. */
  codes?: string[];
  /** Run the real bin as a child process with a timeout (inputs that could hang or exhaust memory). */
  child?: boolean;
  timeoutMs?: number;
  generate?: Record<string, { prefix?: string; repeat: string; times: number; suffix?: string }>;
  symlinks?: Record<string, string>;
  fifos?: string[];
  env?: Record<string, string>;
  note?: string;
}

export function readCase(dir: string): CaseSpec {
  return JSON.parse(readFileSync(join(dir, 'case.json'), 'utf8')) as CaseSpec;
}

/** Copies a case folder to `work` and makes its generated and special files there. */
export function materialize(dir: string, work: string, spec: CaseSpec): void {
  cpSync(dir, work, { recursive: true });
  for (const [rel, g] of Object.entries(spec.generate ?? {})) {
    mkdirSync(dirname(join(work, rel)), { recursive: true });
    writeFileSync(join(work, rel), (g.prefix ?? '') + g.repeat.repeat(g.times) + (g.suffix ?? ''));
  }
  for (const [rel, target] of Object.entries(spec.symlinks ?? {})) {
    mkdirSync(dirname(join(work, rel)), { recursive: true });
    symlinkSync(target, join(work, rel));
  }
  for (const rel of spec.fifos ?? []) {
    mkdirSync(dirname(join(work, rel)), { recursive: true });
    execFileSync('mkfifo', [join(work, rel)]);
  }
}

/** The case folders directly under `root` (folders holding a case.json). */
export function caseDirs(root: string): string[] {
  if (!existsSync(root)) return [];
  return readdirSync(root, { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(join(root, d.name, 'case.json')))
    .map((d) => join(root, d.name))
    .sort();
}
