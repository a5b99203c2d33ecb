import { describe, expect, test } from 'vitest';
import { DiagnosticBag } from '../../../src/diagnostics/diagnostic.js';
import type { IR, IRStep } from '../../../src/ir/types.js';
import { githubActionsTarget } from '../../../src/targets/github-actions/index.js';
import { irWith, step } from './helpers.js';

/**
 * What a flow split into parts cannot do on GitHub Actions, each refused with its code at the
 * place to fix (src/targets/github-actions/partition.ts), and what a flow within the limit keeps.
 */

const lit = (value: string) => ({ kind: 'lit' as const, value });
const LIMIT = 500 * 1024;

/** A step whose script is about `bytes` long, at line `line` of the flow. */
function big(id: string, bytes: number, line: number, over: Partial<IRStep> = {}): IRStep {
  const text = `echo ${id} ${'y'.repeat(70)}\n`.repeat(Math.ceil(bytes / 80));
  return step(id, { exec: { kind: 'run', script: [lit(text)] }, origin: { file: 'flow.yaml', line, col: 3 }, ...over });
}

function compile(ir: IR) {
  const diagnostics = new DiagnosticBag();
  const artifacts = githubActionsTarget.compile(ir, { diagnostics });
  return { artifacts, diagnostics: diagnostics.items.map((d) => ({ code: d.code, severity: d.severity, span: d.span })), messages: diagnostics.items.map((d) => d.message) };
}

describe('partitioning diagnostics (FLOWC692-FLOWC695)', () => {
  test('FLOWC692: a split flow is a warning at the flow file, with the parts, the crossing edges and the limit', () => {
    const ir = irWith([big('a', 300_000, 10), big('b', 300_000, 20, { needs: ['a'] }), big('c', 300_000, 30, { needs: ['b'] })]);
    const r = compile(ir);
    expect(r.diagnostics).toEqual([{ code: 'FLOWC692', severity: 'warning', span: { file: 'flow.yaml', line: 1, col: 1 } }]);
    expect(r.messages[0]).toContain('split into 3 reusable workflows that demo.gha.yml calls; 2 needs edges cross parts');
    expect(r.messages[0]).toContain(`limit of ${LIMIT} bytes on workflow file size (https://docs.github.com/en/actions/reference/limits)`);
    expect(r.artifacts.map((a) => [a.path, a.primary === true])).toEqual([
      ['demo.gha.yml', true],
      ['demo.part-1.gha.yml', false],
      ['demo.part-2.gha.yml', false],
      ['demo.part-3.gha.yml', false],
    ]);
  });

  test('FLOWC693: a step reading an output of a step in another part is refused at the reading step', () => {
    const out = { kind: 'output' as const, step: 'a', output: 'model' };
    const a = big('a', 300_000, 10, { outputs: [{ name: 'model', type: 'string', origin: { file: 'flow.yaml', line: 12, col: 7 } }] });
    const b = big('b', 300_000, 20, { needs: ['a'] });
    const c = step('c', { needs: ['b'], exec: { kind: 'command', argv: [[lit('use')], [out]] }, origin: { file: 'flow.yaml', line: 30, col: 3 } });
    const r = compile(irWith([a, b, c]));
    expect(r.artifacts).toEqual([]);
    expect(r.diagnostics).toEqual([{ code: 'FLOWC693', severity: 'error', span: { file: 'flow.yaml', line: 30, col: 3 } }]);
    expect(r.messages[0]).toContain("step 'c' reads output 'model' of step 'a'");
  });

  test('a step reading an output of a step in its own part is fine', () => {
    const out = { kind: 'output' as const, step: 'a', output: 'model' };
    const a = step('a', { outputs: [{ name: 'model', type: 'string', origin: { file: 'flow.yaml', line: 12, col: 7 } }] });
    const b = step('b', { needs: ['a'], exec: { kind: 'command', argv: [[lit('use')], [out]] } });
    const c = big('c', 300_000, 20, { needs: ['b'] });
    const d = big('d', 300_000, 30, { needs: ['c'] });
    const r = compile(irWith([a, b, c, d]));
    expect(r.diagnostics.map((x) => x.code)).toEqual(['FLOWC692']);
  });

  test('FLOWC694: more parts than one workflow file may call (50) is refused at the flow file', () => {
    const steps = Array.from({ length: 52 }, (_, i) => big(`s${i}`, 300_000, 10 + i, { needs: i === 0 ? [] : [`s${i - 1}`] }));
    const r = compile(irWith(steps));
    expect(r.artifacts).toEqual([]);
    expect(r.diagnostics).toEqual([{ code: 'FLOWC694', severity: 'error', span: { file: 'flow.yaml', line: 1, col: 1 } }]);
    expect(r.messages[0]).toContain('would need 52 parts, 2 over the limit of 50 workflows');
  });

  test('FLOWC695: a step that alone is over the file size is refused at that step, with the numbers', () => {
    const r = compile(irWith([step('small'), big('huge', 600_000, 20, { needs: ['small'] })]));
    expect(r.artifacts).toEqual([]);
    expect(r.diagnostics).toEqual([{ code: 'FLOWC695', severity: 'error', span: { file: 'flow.yaml', line: 20, col: 3 } }]);
    expect(r.messages[0]).toMatch(new RegExp(`^step 'huge' alone makes a GitHub Actions workflow of \\d+ bytes, \\d+ over the limit of ${LIMIT} bytes`));
  });

  test('a one-step flow over the limit is FLOWC603 as before (nothing to split)', () => {
    const r = compile(irWith([big('huge', 600_000, 20)]));
    expect(r.diagnostics.map((d) => d.code)).toEqual(['FLOWC603']);
  });

  test('a flow just under the limit compiles to one file, with no warning', () => {
    const r = compile(irWith([big('a', 220_000, 10), big('b', 220_000, 20, { needs: ['a'] })]));
    expect(r.diagnostics).toEqual([]);
    expect(r.artifacts.map((a) => a.path)).toEqual(['demo.gha.yml']);
    expect(Buffer.byteLength(r.artifacts[0]?.contents as string)).toBeGreaterThan(450_000);
  });
});
