import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { compileForDeploy } from '../../src/deploy/prepare.js';
import type { Diagnostic } from '../../src/diagnostics/diagnostic.js';
import { compileTargets, compileToIR } from '../../src/pipeline/compile.js';
import { SourceRegistry } from '../../src/source/files.js';
import { findTarget } from '../../src/targets/index.js';
import type { Target } from '../../src/targets/target.js';

const FLOW = '/proj/demo.flow.yaml';
const APP = '/proj/app.yaml';

function request(flow: string, app = 'deps: [split]\npar: 3\n') {
  const sources = new SourceRegistry();
  sources.add(FLOW, flow);
  sources.add(APP, app);
  return { flowPath: FLOW, cwd: '/proj', sources };
}

const at = (d: Diagnostic) => `${d.code} ${d.span?.line}:${d.span?.col}`;
const errors = (flow: string) => compileToIR(request(flow)).diagnostics.filter((d) => d.severity === 'error');

const HEAD = `flowc: 1
name: demo
configs:
  app: { files: [app.yaml] }
parameters:
  n: { type: integer, default: 2 }
defaults: { image: alpine:3.20 }
steps:
  split:
    run: echo
    outputs:
      shards: { type: json }
      manifest: { type: string }
`;
// HEAD is 13 lines: the first line of a step appended to it is line 14.

const irSchema = JSON.parse(readFileSync(resolve(import.meta.dirname, '../../schemas/ir.schema.json'), 'utf8'));
const validateIR = new Ajv({ allErrors: true, strict: true, allowUnionTypes: true }).compile(irSchema);

describe('step outputs: valid flows lower to the IR the targets read', () => {
  it('outputs sorted by name, output parts in run, command and env, IRForeach.from for a dynamic foreach', () => {
    const r = compileToIR(request(`${HEAD}  process:
    needs: [split]
    foreach: \${steps.split.outputs.shards}
    parallelism: 4
    run: echo "\${item.id}" "\${steps.split.outputs.manifest}"
    outputs: { result: { type: string } }
  join:
    needs: [process]
    command: [join, "--in=\${steps.process.outputs.result}"]
    env: { M: "\${steps.split.outputs.manifest}" }
`));
    expect(r.diagnostics).toEqual([]);
    const [split, process, join] = r.ir?.steps ?? [];
    expect(split?.outputs).toEqual([
      { name: 'manifest', type: 'string', origin: { file: 'demo.flow.yaml', line: 13, col: 7 } },
      { name: 'shards', type: 'json', origin: { file: 'demo.flow.yaml', line: 12, col: 7 } },
    ]);
    expect(process?.foreach).toEqual({ items: [], from: { step: 'split', output: 'shards' }, parallelism: 4 });
    expect(process?.exec).toEqual({
      kind: 'run',
      script: [
        { kind: 'lit', value: 'echo "' },
        { kind: 'item', path: ['id'] },
        { kind: 'lit', value: '" "' },
        { kind: 'output', step: 'split', output: 'manifest' },
        { kind: 'lit', value: '"' },
      ],
    });
    expect(join?.exec).toEqual({ kind: 'command', argv: [[{ kind: 'lit', value: 'join' }], [{ kind: 'lit', value: '--in=' }, { kind: 'output', step: 'process', output: 'result' }]] });
    expect(join?.env).toEqual([{ name: 'M', value: [{ kind: 'output', step: 'split', output: 'manifest' }] }]);
  });

  const VALID: Record<string, string> = {
    'a grandchild reads its grandparent': `  mid:
    needs: [split]
    run: echo
  leaf:
    needs: [mid]
    run: echo "\${steps.split.outputs.manifest}"
`,
    'needs from a config reference count': `  leaf:
    needs: \${app.deps}
    run: echo "\${steps.split.outputs.shards}"
`,
    'a dynamic foreach over a string output of a foreach step (its value is a JSON list)': `  fan:
    foreach: [a, b]
    run: echo "\${item}" > "$FLOWC_OUTPUTS/r"
    outputs: { r: { type: string } }
  again:
    needs: [fan]
    foreach: \${steps.fan.outputs.r}
    parallelism: \${app.par}
    run: echo "\${item}"
`,
    'a step that declares outputs nobody reads': `  other:
    run: echo
    outputs: { unused: { type: json, description: for later } }
`,
  };
  for (const [name, steps] of Object.entries(VALID)) {
    it(`${name}: no diagnostics, and the IR passes schemas/ir.schema.json`, () => {
      const r = compileToIR(request(`${HEAD}${steps}`));
      expect(r.diagnostics).toEqual([]);
      const ok = validateIR(JSON.parse(JSON.stringify(r.ir)));
      expect(validateIR.errors ?? []).toEqual([]);
      expect(ok).toBe(true);
    });
  }

  it('parallelism of a dynamic foreach comes from config like a static one', () => {
    const r = compileToIR(request(`${HEAD}${VALID['a dynamic foreach over a string output of a foreach step (its value is a JSON list)']}`));
    expect(r.ir?.steps.find((s) => s.id === 'again')?.foreach).toEqual({ items: [], from: { step: 'fan', output: 'r' }, parallelism: 3 });
  });
});

describe('step outputs: every wrong reference, at the reference', () => {
  it('FLOWC512 unknown step, with did-you-mean', () => {
    const ds = errors(`${HEAD}  b:
    needs: [split]
    run: echo "\${steps.splt.outputs.shards}"
`);
    expect(ds.map(at)).toEqual(['FLOWC512 16:16']);
    expect(ds[0]?.notes).toContain("did you mean 'split'?");
  });

  it('FLOWC513 unknown output of a known step, with did-you-mean and the declared names', () => {
    const ds = errors(`${HEAD}  b:
    needs: [split]
    command: [echo, "x=\${steps.split.outputs.shard}"]
`);
    expect(ds.map(at)).toEqual(['FLOWC513 16:24']);
    expect(ds[0]?.notes).toEqual(["did you mean 'shards'?", 'steps.split declares: shards, manifest']);
  });

  it('FLOWC515 a step that is not an ancestor through needs, suggesting the needs to add', () => {
    const ds = errors(`${HEAD}  b:
    needs: [c]
    env: { M: "\${steps.split.outputs.manifest}" }
    run: echo
  c:
    run: echo
`);
    expect(ds.map(at)).toEqual(['FLOWC515 16:16']);
    expect(ds[0]?.notes).toEqual(['add it: needs: [c, split]']);
    expect(ds[0]?.message).toContain('known only when its step completes');
  });

  it('FLOWC515 also for a dependent reading its descendant (the order is the wrong way round)', () => {
    const ds = errors(`${HEAD.replace('    run: echo\n', '    run: echo "${steps.b.outputs.o}"\n')}  b:
    needs: [split]
    run: echo
    outputs: { o: { type: string } }
`);
    expect(ds.map(at)).toEqual(['FLOWC515 10:16']);
  });

  it('FLOWC514 a step reading its own output', () => {
    const ds = errors(HEAD.replace('    run: echo\n', '    run: echo "${steps.split.outputs.manifest}"\n'));
    expect(ds.map(at)).toEqual(['FLOWC514 10:16']);
  });

  it('FLOWC514 a dynamic foreach over its own output', () => {
    const ds = errors(`${HEAD}  b:
    foreach: \${steps.b.outputs.o}
    run: echo
    outputs: { o: { type: json } }
`);
    expect(ds.map(at)).toEqual(['FLOWC514 15:14']);
  });

  it('FLOWC516 a dynamic foreach over a string output of a plain step', () => {
    const ds = errors(`${HEAD}  b:
    needs: [split]
    foreach: \${steps.split.outputs.manifest}
    run: echo
`);
    expect(ds.map(at)).toEqual(['FLOWC516 16:14']);
  });

  it('FLOWC517 a step output in defaults', () => {
    const ds = errors(HEAD.replace('defaults: { image: alpine:3.20 }', 'defaults: { image: alpine:3.20, env: { X: "${steps.split.outputs.manifest}" } }'));
    expect(ds.map(at)).toEqual(['FLOWC517 7:44']);
  });

  it('FLOWC511 a steps reference that is not steps.<id>.outputs.<name>', () => {
    const ds = errors(`${HEAD}  b:
    needs: [split]
    run: echo "\${steps.split}" "\${steps.split.manifest}" "\${steps.split.outputs.manifest.x}"
`);
    expect(ds.map(at)).toEqual(['FLOWC511 16:16', 'FLOWC511 16:33', 'FLOWC511 16:59']);
  });

  it('FLOWC204 an output with a bad type or name, from the flow schema, with did-you-mean', () => {
    const ds = errors(HEAD.replace('shards: { type: json }', 'shards: { type: jsn }').replace('manifest: { type: string }', 'Manifest: { type: string }'));
    expect(ds.map(at)).toEqual(['FLOWC204 12:23', 'FLOWC204 13:7']);
    expect(ds[0]?.notes).toEqual(["did you mean 'json'?"]);
  });

  it('reports every problem of one flow at once', () => {
    const ds = errors(`${HEAD}  b:
    run: echo "\${steps.splt.outputs.x}" "\${steps.split.outputs.shard}" "\${steps.split.outputs.shards}" "\${params.m}"
    image: "\${steps.split.outputs.manifest}"
`);
    expect(ds.map((d) => d.code).sort()).toEqual(['FLOWC504', 'FLOWC506', 'FLOWC512', 'FLOWC513', 'FLOWC515']);
  });
});

describe('the timing rule: an output is known only when its step completes', () => {
  const DEPLOY: [string, string, string][] = [
    ['image', '    image: "alpine:${steps.split.outputs.manifest}"', 'FLOWC506 16:20'],
    ['resources', '    resources: { memory: "${steps.split.outputs.manifest}" }', 'FLOWC506 16:27'],
    ['retry', '    retry: "${steps.split.outputs.manifest}"', 'FLOWC506 16:13'],
    ['timeout', '    timeout: ${steps.split.outputs.manifest}', 'FLOWC506 16:14'],
    ['parallelism', '    foreach: [1]\n    parallelism: ${steps.split.outputs.manifest}', 'FLOWC506 17:18'],
    ['a static foreach item', '    foreach: [a, "${steps.split.outputs.manifest}"]', 'FLOWC506 16:19'],
    ['targets', '    targets: { argo: { priorityClassName: "${steps.split.outputs.manifest}" } }', 'FLOWC506 16:44'],
    ['a whole command', '    command: ${steps.split.outputs.shards}', 'FLOWC506 16:14'],
    ['a whole env', '    env: ${steps.split.outputs.shards}\n    run: echo', 'FLOWC506 16:10'],
  ];
  for (const [field, line, want] of DEPLOY) {
    it(`${field}: FLOWC506 at the reference`, () => {
      const run = /command|run:/.test(line) ? '' : '    run: echo\n';
      const ds = errors(`${HEAD}  b:\n    needs: [split]\n${line}\n${run}`);
      expect(ds.map(at)).toEqual([want]);
      expect(ds[0]?.message).toContain('a step output, known only when that step completes');
    });
  }

  it('a parameter default: FLOWC506', () => {
    const ds = errors(HEAD.replace('n: { type: integer, default: 2 }', 'n: { type: string, default: "${steps.split.outputs.manifest}" }'));
    expect(ds.map(at)).toEqual(['FLOWC506 6:32']);
  });

  it('a foreach with text around the reference is not a dynamic foreach (the shape check says so)', () => {
    const ds = errors(`${HEAD}  b:
    needs: [split]
    foreach: "x\${steps.split.outputs.shards}"
    run: echo
`);
    expect(ds.map(at)).toEqual(['FLOWC202 16:14']);
  });

  it('a whole command or env from a parameter was silently dropped before; now FLOWC506 too', () => {
    const ds = errors(`${HEAD}  b:
    command: \${params.n}
  c:
    env: \${params.n}
    run: echo
`);
    expect(ds.map(at)).toEqual(['FLOWC506 15:14', 'FLOWC506 17:10']);
  });
});

describe('FLOWC635: a target without stepOutputs refuses a flow that uses outputs', () => {
  const USES = `${HEAD}  b:
    needs: [split]
    run: echo "\${steps.split.outputs.manifest}"
`;
  // Every code target renders outputs now; a target that does not (a user's template target, a
  // target being written) is simulated by taking the flag away from two registered ones.
  const withoutOutputs = <T>(ids: string[], run: () => T): T => {
    const targets = ids.map((id) => findTarget(id) as Target);
    const saved = targets.map((t) => t.stepOutputs);
    for (const t of targets) delete t.stepOutputs;
    try {
      return run();
    } finally {
      targets.forEach((t, i) => {
        if (saved[i]) t.stepOutputs = saved[i];
      });
    }
  };

  it('one diagnostic per target, at the first outputs: entry, naming the target; the ir target renders them', () => {
    const r = withoutOutputs(['gcp-workflows', 'stepfunctions'], () => compileTargets({ ...request(USES), targets: ['gcp-workflows', 'stepfunctions', 'ir'] }));
    const ds = r.diagnostics.filter((d) => d.code === 'FLOWC635');
    expect(ds.map((d) => `${d.span?.file}:${d.span?.line}:${d.span?.col} ${d.message}`)).toEqual([
      '/proj/demo.flow.yaml:12:7 target gcp-workflows cannot render step outputs yet, and this flow uses them (first steps.split.outputs.shards)',
      '/proj/demo.flow.yaml:12:7 target stepfunctions cannot render step outputs yet, and this flow uses them (first steps.split.outputs.shards)',
    ]);
    expect(r.artifacts).toEqual([]);
  });

  it('deploy runs the same check before the target compiles', () => {
    const r = withoutOutputs(['gcp-workflows'], () => compileForDeploy({ ...request(USES), target: 'gcp-workflows' }));
    expect(r.diagnostics.map(at)).toEqual(['FLOWC635 12:7']);
    expect(r.artifacts).toEqual([]);
  });

  it('declaring an output is enough, and a flow without outputs is not refused', () => {
    withoutOutputs(['argo'], () => {
      expect(compileTargets({ ...request(HEAD), targets: ['argo'] }).diagnostics.map((d) => d.code)).toEqual(['FLOWC635']);
      const plain = compileTargets({ ...request(HEAD.replace(/ {4}outputs:\n.*\n.*\n/, '')), targets: ['argo', 'ir'] });
      expect(plain.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
      expect(plain.artifacts.length).toBeGreaterThan(1);
    });
  });

  it('argo renders step outputs (stepOutputs: true), so the same flow compiles for it', () => {
    const r = compileTargets({ ...request(USES), targets: ['argo'] });
    expect(r.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    expect(r.artifacts.some((a) => a.path.endsWith('.argo.yaml'))).toBe(true);
  });
});
