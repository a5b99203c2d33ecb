import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DiagnosticBag } from '../../src/diagnostics/diagnostic.js';
import { compileToIR } from '../../src/pipeline/compile.js';
import { TARGETS } from '../../src/targets/index.js';
import { arbFlowCase, type FlowCase } from '../helpers/arbitrary-flow.js';
import { explore, FUZZ_TIMEOUT, fuzzParams, keepFailure, tempRoot, writeTree } from './helpers.js';
import { artifactProblems, validationCount } from './validators.js';

const root = tempRoot('flowc-fuzz-valid-');
let n = 0;

/**
 * Compiles a generated project to the IR, then for every registered target, and judges each
 * artifact with its target's oracle. Returns the problems: error diagnostics and oracle findings.
 */
async function compileEverywhere(c: FlowCase): Promise<string[]> {
  const dir = join(root, String(n++));
  writeTree(dir, c.files);
  const front = compileToIR({ flowPath: c.flowPath, cwd: dir, configs: c.configs, sets: c.sets, env: c.env });
  const fmt = (d: { code: string; message: string; span?: { line: number; col: number } }) => `${d.code} ${d.span ? `${d.span.line}:${d.span.col} ` : ''}${d.message}`;
  const frontErrors = front.diagnostics.filter((d) => d.severity === 'error').map(fmt);
  if (frontErrors.length > 0 || !front.ir) return frontErrors.length > 0 ? frontErrors : ['no IR and no error'];
  const problems: string[] = [];
  for (const target of TARGETS) {
    const diagnostics = new DiagnosticBag();
    const artifacts = target.compile(structuredClone(front.ir), { diagnostics });
    problems.push(...diagnostics.errors().map((d) => `${target.id}: ${fmt(d)}`));
    if (diagnostics.hasErrors()) continue;
    if (!artifacts.some((a) => a.primary)) problems.push(`${target.id}: no primary artifact`);
    problems.push(...(await artifactProblems(front.ir, artifacts, { execute: c.steps <= 60 })));
  }
  return problems;
}

describe('random valid flows and configs (fuzz a)', () => {
  it('compile for every target and every artifact passes its target validator', async () => {
    let largest = 0;
    await fc.assert(
      fc.asyncProperty(arbFlowCase({ maxSteps: 200 }), async (c) => {
        const problems = await compileEverywhere(c);
        if (problems.length > 0 && explore(problems, () => keepFailure('valid-flow', c), ['compile', '--target', 'all'])) return;
        if (problems.length > 0) expect(problems, `reproducer: ${keepFailure('valid-flow', c)}`).toEqual([]);
        largest = Math.max(largest, c.steps);
      }),
      fuzzParams(20),
    );
    expect(validationCount()).toBeGreaterThan(0);
    expect(largest).toBeGreaterThan(60);
  }, FUZZ_TIMEOUT);

  it('a flow of exactly 200 steps compiles for every target and validates', async () => {
    await fc.assert(
      fc.asyncProperty(arbFlowCase({ minSteps: 200, maxSteps: 200 }), async (c) => {
        expect(c.steps).toBe(200);
        const problems = await compileEverywhere(c);
        if (problems.length > 0) expect(problems, `reproducer: ${keepFailure('valid-flow-200', c)}`).toEqual([]);
      }),
      fuzzParams(1),
    );
  }, FUZZ_TIMEOUT);
});
