import { join } from 'node:path';
import { expect } from 'vitest';
import { jsonDiagnostics, jsonStream, type Outcome, outcomeProblems, runChild, runInProcess } from './cli-run.js';
import { type CaseSpec, materialize, readCase } from './cases.js';

/** Runs a saved case (cases.ts) from a fresh copy under `work`; returns the outcome. */
export async function runCase(dir: string, work: string): Promise<{ spec: CaseSpec; outcome: Outcome; json: boolean }> {
  const spec = readCase(dir);
  materialize(dir, work, spec);
  const json = !spec.args.includes('--diagnostics') && ['compile', 'validate', 'config', 'build'].includes(spec.args[0] ?? '');
  const args = json ? [...spec.args, '--diagnostics', 'json'] : spec.args;
  const outcome = spec.child ? runChild(args, work, { timeoutMs: spec.timeoutMs ?? 60_000, env: spec.env ?? {} }) : await runInProcess(args, work, spec.env ?? {});
  return { spec, outcome, json };
}

/** Asserts a saved case behaves: its exit code, its codes, and the hostile-input rules. */
export async function expectCase(dir: string, work: string): Promise<void> {
  const { spec, outcome, json } = await runCase(join(dir), work);
  const label = `${dir}: flowc ${spec.args.join(' ')}`;
  expect(outcomeProblems(outcome, { json }), label).toEqual([]);
  expect(outcome.code, `${label}\n${outcome.stderr.slice(0, 2000)}`).toBe(spec.exit);
  if (spec.codes && json) {
    const parsed = jsonDiagnostics(jsonStream(outcome));
    const codes = 'diagnostics' in parsed ? parsed.diagnostics.map((d) => d.code) : [];
    for (const c of spec.codes) expect(codes, label).toContain(c);
  }
}
