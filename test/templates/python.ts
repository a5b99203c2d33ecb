import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Runs a Python 3 program with one input file and returns what it printed as JSON. The tests that
 * use it check flowc's output with the language that reads it (python3 with the standard library
 * and jinja2, as Airflow does), one process per batch of cases.
 */
export function runPython(program: string, input: string): unknown {
  const dir = mkdtempSync(join(tmpdir(), 'flowc-py-'));
  try {
    writeFileSync(join(dir, 'input'), input);
    const out = execFileSync('python3', ['-c', program, join(dir, 'input')], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
    return JSON.parse(out) as unknown;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
