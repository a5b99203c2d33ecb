import { describe, expect, it } from 'vitest';
import { compileToIR } from '../../src/pipeline/compile.js';
import { SourceRegistry } from '../../src/source/files.js';

const FLOW = '/proj/demo.flow.yaml';

function compile(flow: string, app: string) {
  const sources = new SourceRegistry();
  sources.add(FLOW, flow);
  sources.add('/proj/app.yaml', app);
  return compileToIR({ flowPath: FLOW, cwd: '/proj', sources });
}

const at = (d: { code: string; span?: { file: string; line: number; col: number } }) => `${d.code} ${d.span?.file}:${d.span?.line}:${d.span?.col}`;

const HEAD = 'flowc: 1\nname: demo\nconfigs:\n  app: { files: [app.yaml] }\nparameters:\n  date: { type: string, default: "x" }\ndefaults: { image: alpine:3.20 }\nsteps:\n';

describe('the shape re-check after resolution (skipped only when resolution changed no value)', () => {
  it('still judges a value a config put in, among steps resolution left as written', () => {
    // Steps a and c hold only run-time text (kept as written); b takes its timeout from the config.
    const flow = `${HEAD}  a:\n    command: [run, "\${params.date}"]\n  b:\n    command: [run, "\${params.date}"]\n    timeout: \${app.t}\n  c:\n    command: [run, "\${params.date}"]\n`;
    const bad = compile(flow, 't: soon\n');
    expect(bad.ir).toBeUndefined();
    expect(bad.diagnostics.map(at)).toEqual(['FLOWC305 /proj/app.yaml:1:4']);
    const good = compile(flow, 't: 5m\n');
    expect(good.diagnostics).toEqual([]);
    expect(good.ir?.steps.map((s) => [s.id, s.timeoutSeconds])).toEqual([
      ['a', null],
      ['b', 300],
      ['c', null],
    ]);
  });

  it('reports each use of the same run-time text in its own step (parsed templates are shared)', () => {
    const flow = `${HEAD}  a:\n    command: [run, "\${params.nope}"]\n  b:\n    command: [run, "\${params.nope}"]\n  c:\n    foreach: [1, 2]\n    command: [run, "\${item}", "\${params.date}"]\n  d:\n    foreach: [3]\n    command: [run, "\${item}", "\${params.date}"]\n`;
    const r = compile(flow, '{}\n');
    expect(r.diagnostics.map(at)).toEqual(['FLOWC504 /proj/demo.flow.yaml:10:21', 'FLOWC504 /proj/demo.flow.yaml:12:21']);
    const fixed = compile(flow.replaceAll('params.nope', 'params.date'), '{}\n');
    const argv = (id: string) => fixed.ir?.steps.find((s) => s.id === id)?.exec;
    expect(argv('c')).toEqual({ kind: 'command', argv: [[{ kind: 'lit', value: 'run' }], [{ kind: 'item', path: [] }], [{ kind: 'param', name: 'date' }]] });
    expect(argv('d')).toEqual(argv('c'));
    // The same text is one IRString in every step that writes it (src/ir/lower.ts), frozen to the
    // bottom: a target cannot change one step's parts, so it changes no other step's either.
    const c = argv('c') as { argv: { kind: string; path?: unknown[] }[][] };
    const d = argv('d') as { argv: { kind: string; path?: unknown[] }[][] };
    expect(c.argv[0]).toBe(d.argv[0]);
    expect(c.argv[1]).toBe(d.argv[1]);
    expect([c.argv[1], c.argv[1]![0], c.argv[1]![0]!.path, c.argv[2], c.argv[2]![0]].every((x) => Object.isFrozen(x))).toBe(true);
    expect(() => c.argv[1]![0]!.path!.push('x')).toThrow(TypeError);
    expect(() => {
      (c.argv[2]![0] as { name?: string }).name = 'other';
    }).toThrow(TypeError);
    expect(argv('d')).toEqual(argv('c'));
  });
});
