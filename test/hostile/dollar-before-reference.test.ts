import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { escapeTemplateText } from '../../src/flow/template.js';
import { shellScript } from '../../src/ir/shell.js';
import type { IR, IRString } from '../../src/ir/types.js';
import { compileToIR } from '../../src/pipeline/compile.js';
import { DiagnosticBag } from '../../src/diagnostics/diagnostic.js';
import { TARGETS } from '../../src/targets/index.js';
import { shellScript as ghaShellScript } from '../../src/targets/github-actions/render-string.js';
import { tmpTree } from '../config/helpers.js';
import { cleanShellSandboxes, runInSandbox } from '../helpers/shell-sandbox.js';

/**
 * A config value is literal text wherever it lands in run-time text (SPEC section 3), whatever
 * its last character: `"${app.d}${params.x}"` with `d: "$"` is the text `$` and then the
 * parameter, never the escape `$${`; and `"${app.e}{params.x}"` with `e: "a$"` stays the text
 * `a${params.x}`, never a reference. Checked in the IR, in every target's artifact, and in the
 * shell text a `run` script becomes.
 */
afterAll(cleanShellSandboxes);

const PARAM: IRString[number] = { kind: 'param', name: 'x' };
const lit = (value: string): IRString => (value === '' ? [] : [{ kind: 'lit', value }]);

/** Compiles a flow whose config `app` holds `values`, with the given step bodies. */
function compile(values: Record<string, string>, steps: string): IR {
  const cfg = Object.entries(values)
    .map(([k, v]) => `${k}: ${JSON.stringify(v)}`)
    .join(', ');
  const root = tmpTree({});
  writeFileSync(join(root, 'flow.yaml'), `flowc: 1\nname: dollar\nconfigs:\n  app:\n    default: { ${cfg} }\nparameters:\n  x: { type: string, default: dflt }\nsteps:\n${steps}`);
  const r = compileToIR({ flowPath: join(root, 'flow.yaml') });
  if (!r.ir) throw new Error(JSON.stringify(r.diagnostics));
  return r.ir;
}

const STEPS = [
  '  a:\n    image: busybox\n    command: [echo, "${app.d}${params.x}", "${app.e}{params.x}"]\n',
  '  b:\n    image: busybox\n    run: echo "${app.d}${params.x}" "${app.e}{params.x}"\n',
  '  c:\n    image: busybox\n    env: { V: "${app.d}${params.x}", W: "${app.e}{params.x}" }\n    command: [sh, -c, \'echo "$V"\']\n',
].join('');

describe('config text ending in $ before a run-time reference', () => {
  const ir = compile({ d: '$', e: 'a$' }, STEPS);
  const [a, b, c] = ir.steps;

  it('keeps the reference in the IR, in commands, scripts and env', () => {
    expect(a?.exec).toEqual({ kind: 'command', argv: [lit('echo'), [...lit('$'), PARAM], lit('a${params.x}')] });
    expect(b?.exec).toEqual({ kind: 'run', script: [...lit('echo "$'), PARAM, ...lit('" "a${params.x}"')] });
    expect(c?.env).toEqual([
      { name: 'V', value: [...lit('$'), PARAM] },
      { name: 'W', value: lit('a${params.x}') },
    ]);
  });

  it('any config text followed by a reference gives exactly that text and the reference', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[${}a\\]{0,8}$/), (d) => {
        // Written escaped for the config's own interpolation, so the config value is exactly `d`.
        const got = compile({ d: escapeTemplateText(d), e: 'x' }, '  a:\n    image: busybox\n    command: [echo, "${app.d}${params.x}", "${app.d}{params.x}", "${app.d}"]\n');
        expect(got.steps[0]?.exec).toEqual({ kind: 'command', argv: [lit('echo'), [...lit(d), PARAM], lit(`${d}{params.x}`), lit(d)] });
      }),
      { numRuns: 60 },
    );
  });

  for (const target of TARGETS) {
    it(`${target.id}: the artifact renders the text and the reference`, () => {
      // The same IR built by hand, with the parts the flow means: each target must render the
      // flow exactly as it renders those parts.
      const expected: IR = structuredClone(ir);
      (expected.steps[0] as IR['steps'][number]).exec = { kind: 'command', argv: [lit('echo'), [...lit('$'), PARAM], lit('a${params.x}')] };
      (expected.steps[1] as IR['steps'][number]).exec = { kind: 'run', script: [...lit('echo "$'), PARAM, ...lit('" "a${params.x}"')] };
      (expected.steps[2] as IR['steps'][number]).env = [
        { name: 'V', value: [...lit('$'), PARAM] },
        { name: 'W', value: lit('a${params.x}') },
      ];
      const render = (i: IR) => target.compile(i, { diagnostics: new DiagnosticBag() }).map((f) => f.contents);
      const got = render(ir);
      expect(got).toEqual(render(expected));
      expect(got.join('\n')).toMatch(target.id === 'ir' ? /"name": "x"/ : /FLOWC_PARAM_X|parameters\.x|params\.x|params\["x"\]|inputs\.x/);
    });
  }
});

describe('a bare $ before an expansion in a run script', () => {
  const scripts: [string, IRString][] = [
    ['$', [...lit('printf %s "$'), PARAM, ...lit('"')]],
    ['$', [...lit('printf %s $'), PARAM]],
    ['\\$', [...lit('printf %s "\\$'), PARAM, ...lit('"')]],
    ['$$', [...lit('printf %s "\\$$'), PARAM, ...lit('"')]],
  ];

  it.each(scripts)('prints %s and then the value, in the shared script and in GitHub Actions', (before, script) => {
    const shared = shellScript(script).script;
    const gha = ghaShellScript(script, { parameters: [], flowName: 'f', slots: [], paramExpr: () => '' } as never);
    for (const text of [shared, gha]) {
      const r = runInSandbox(['sh', '-c', text], { FLOWC_PARAM_X: 'dflt' });
      expect(r.status).toBe(0);
      expect(r.stdout).toBe(`${before === '$$' ? '$$' : '$'}dflt`);
    }
  });
});
