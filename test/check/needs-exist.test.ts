import { describe, expect, it } from 'vitest';
import { compileToIR } from '../../src/pipeline/compile.js';
import { SourceRegistry } from '../../src/source/files.js';

const FLOW = '/proj/demo.flow.yaml';

function errors(flow: string): string[] {
  const sources = new SourceRegistry();
  sources.add(FLOW, flow);
  return compileToIR({ flowPath: FLOW, cwd: '/proj', sources }).diagnostics.map((d) => `${d.code} ${d.span?.line}:${d.span?.col} ${d.message}`);
}

/** Steps s0..s(n-1) with a step `t` whose needs are written out as given. */
function flow(n: number, needs: string[]): string {
  const steps = Array.from({ length: n }, (_, i) => `  s${i}:\n    run: echo\n`).join('');
  return `flowc: 1\nname: demo\ndefaults: { image: alpine:3.20 }\nsteps:\n${steps}  t:\n    needs: [${needs.join(', ')}]\n    run: echo\n`;
}

describe('needs-exist (FLOWC301, FLOWC312) on short and long needs lists', () => {
  // Lists of up to 16 needs are searched in place, longer ones through a set: both ways are tested.
  for (const n of [3, 20]) {
    it(`reports a need listed twice, a self-need and an unknown id, each where written (${n} needs)`, () => {
      const ids = Array.from({ length: n }, (_, i) => `s${i}`);
      const needs = [...ids, 's1', 't', 'nope', 'nope'];
      const line = 4 + 2 * n + 2;
      const col = (k: number) => 13 + needs.slice(0, k).reduce((a, x) => a + x.length + 2, 0);
      expect(errors(flow(n, needs))).toEqual([
        `FLOWC312 ${line}:${col(n)} step 't' lists 's1' in needs twice`,
        `FLOWC312 ${line}:${col(n + 1)} step 't' needs itself`,
        `FLOWC301 ${line}:${col(n + 2)} step 't' needs 'nope', which is not a step of this flow`,
        `FLOWC312 ${line}:${col(n + 3)} step 't' lists 'nope' in needs twice`,
      ]);
    });
  }

  it('reports nothing for distinct known needs', () => {
    expect(errors(flow(20, Array.from({ length: 20 }, (_, i) => `s${i}`)))).toEqual([]);
  });
});
