import { readFileSync } from 'node:fs';
import { Ajv, type AnySchemaObject } from 'ajv';
import { describe, expect, it } from 'vitest';
import { checkStepTargetOptions } from '../../src/check/step-target-options.js';
import { DiagnosticBag, type Diagnostic } from '../../src/diagnostics/diagnostic.js';
import { mergeOptions, stepTargetOptions } from '../../src/ir/step-options.js';
import { compileToIR, resolveFlowConfigs } from '../../src/pipeline/compile.js';
import { SourceRegistry } from '../../src/source/files.js';
import { findTarget, TARGETS } from '../../src/targets/index.js';
import { FLOW_SCHEMA_URL } from '../../src/flow/schema-check.js';
import type { Target } from '../../src/targets/target.js';
import { makeIR, step } from '../helpers/ir-builders.js';
import { asResolvedFlow } from '../../src/flow/resolved.js';
import { parseFlow } from '../../src/flow/parse-flow.js';
import { lowerToIR } from '../../src/ir/lower.js';

const FLOW = '/proj/demo.flow.yaml';
const at = (d: Diagnostic) => `${d.code} ${d.span?.file}:${d.span?.line}:${d.span?.col}`;

function request(flow: string) {
  const sources = new SourceRegistry();
  sources.add(FLOW, flow);
  sources.add('/proj/app.yaml', 'sa: trainer\nzone: eu\n');
  return { flowPath: FLOW, cwd: '/proj', sources };
}

const FLOW_TEXT = `flowc: 1
name: demo
configs:
  app: { files: [app.yaml] }
parameters:
  p: { type: string, default: x }
targets:
  argo: { namespace: ml, nodeSelector: { pool: cpu, zone: eu } }
steps:
  train:
    image: x
    run: echo
    targets:
      argo: { nodeSelector: { pool: gpu }, serviceAccountName: "\${app.sa}" }
`;

describe('per-step targets: (SPEC section 8)', () => {
  it('FLOWC609: an option the target does not allow per step, at its key, listing the allowed ones', () => {
    // Argo allows placement per step (nodeSelector, serviceAccountName, ...), not workflow-wide options.
    const r = compileToIR(request(FLOW_TEXT.replace('{ nodeSelector: { pool: gpu }, serviceAccountName: "${app.sa}" }', '{ namespace: gpu, imagePullPolicy: Always }')));
    expect(r.diagnostics.map(at)).toEqual(['FLOWC609 /proj/demo.flow.yaml:14:15', 'FLOWC609 /proj/demo.flow.yaml:14:31']);
    expect(r.diagnostics[0]?.message).toBe("steps.train.targets.argo.namespace: Argo Workflows does not allow 'namespace' per step");
    expect(r.diagnostics[0]?.notes?.[0]).toMatch(/^options allowed per step for argo: nodeSelector, tolerations, affinity, serviceAccountName/);
    expect(compileToIR(request(FLOW_TEXT)).diagnostics).toEqual([]);
  });

  it('FLOWC506: a run-time value in a per-step option (the timing rule)', () => {
    const r = compileToIR(request(FLOW_TEXT.replace('"${app.sa}"', '"${params.p}"')));
    expect(r.diagnostics.map(at)).toEqual(['FLOWC506 /proj/demo.flow.yaml:14:65']);
    expect(r.diagnostics[0]?.message).toContain('target options configure the deployed artifact itself');
  });

  it('FLOWC201: a per-step options map for an unknown target', () => {
    const r = compileToIR(request(FLOW_TEXT.replace('      argo: { nodeSelector', '      argoo: { nodeSelector')));
    expect(r.diagnostics.map(at)).toEqual(['FLOWC201 /proj/demo.flow.yaml:14:7']);
  });

  it('the merged options are checked against the options schema; allowed keys pass', () => {
    const argo = findTarget('argo') as Target;
    const permissive: Target = { ...argo, perStepOptions: ['nodeSelector', 'serviceAccountName'] };
    const flow = resolveFlowConfigs(request(FLOW_TEXT.replace('"${app.sa}"', 'trainer'))).flow!;
    const ok = new DiagnosticBag();
    checkStepTargetOptions({ flow, diagnostics: ok, find: () => permissive });
    expect(ok.items).toEqual([]);
    const strict: Target = { ...permissive, optionsSchema: { type: 'object', properties: { serviceAccountName: { type: 'number' } } } };
    const bad = new DiagnosticBag();
    checkStepTargetOptions({ flow, diagnostics: bad, find: () => strict });
    expect(bad.items.map(at)).toEqual(['FLOWC601 /proj/demo.flow.yaml:14:64']);
    expect(bad.items[0]?.message).toBe('steps.train.targets.argo.serviceAccountName must be number');
  });
});

describe('lowering per-step options', () => {
  it("IRStep.targets holds the step's own overrides, sorted by target id; other steps get {}", () => {
    const sources = new SourceRegistry();
    sources.add(FLOW, `flowc: 1
name: demo
targets:
  argo: { namespace: ml }
steps:
  train:
    image: x
    run: echo
    targets:
      stepfunctions: { jobQueue: gpu }
      argo: { nodeSelector: { pool: gpu } }
  other: { image: x, run: echo }
`);
    const flow = parseFlow({ file: FLOW, sources, diagnostics: new DiagnosticBag() })!;
    const ir = lowerToIR({ flow: asResolvedFlow(flow), configs: {}, configHash: '0'.repeat(64), sourceHash: '0'.repeat(64), relativize: (p) => p.slice('/proj/'.length) });
    expect(ir.steps.map((s) => JSON.stringify(s.targets))).toEqual(['{"argo":{"nodeSelector":{"pool":"gpu"}},"stepfunctions":{"jobQueue":"gpu"}}', '{}']);
    expect(stepTargetOptions(ir, ir.steps[0]!, 'argo')).toEqual({ namespace: 'ml', nodeSelector: { pool: 'gpu' } });
  });
});

describe('merging per-step options', () => {
  it('maps merge key by key; lists and scalars replace', () => {
    expect(mergeOptions({ a: { x: 1, y: 2 }, l: [1, 2], s: 'a' }, { a: { y: 3 }, l: [3], s: 'b' })).toEqual({ a: { x: 1, y: 3 }, l: [3], s: 'b' });
    expect(mergeOptions(undefined, { a: 1 })).toEqual({ a: 1 });
    expect(mergeOptions({ a: 1 }, undefined)).toEqual({ a: 1 });
    expect(JSON.stringify(mergeOptions({}, JSON.parse('{"__proto__": {"x": 1}}')))).toBe('{"__proto__":{"x":1}}');
  });

  it("stepTargetOptions lays a step's overrides over the flow's options", () => {
    const s = step('train', { targets: { argo: { nodeSelector: { pool: 'gpu' } } } });
    const ir = makeIR([s, step('other')], { targets: { argo: { namespace: 'ml', nodeSelector: { pool: 'cpu', zone: 'eu' } } } });
    expect(stepTargetOptions(ir, s, 'argo')).toEqual({ namespace: 'ml', nodeSelector: { pool: 'gpu', zone: 'eu' } });
    expect(stepTargetOptions(ir, ir.steps[1]!, 'argo')).toEqual({ namespace: 'ml', nodeSelector: { pool: 'cpu', zone: 'eu' } });
    expect(stepTargetOptions(ir, s, 'stepfunctions')).toBeUndefined();
  });
});

describe('target option keys in the flow schema (what an editor sees)', () => {
  // An editor validates with the schema alone (yaml-language-server): no flowc code runs there.
  const schema = JSON.parse(readFileSync(FLOW_SCHEMA_URL, 'utf8')) as AnySchemaObject;
  const editor = new Ajv({ strict: false, allErrors: true }).compile(schema);
  const base = { flowc: 1, name: 'demo', steps: { train: { image: 'x', run: 'echo' } } };
  const flagged = (flow: object) => {
    editor(flow);
    return (editor.errors ?? []).filter((e) => e.keyword === 'propertyNames').map((e) => `${e.instancePath} ${String(e.params.propertyName)}`);
  };

  it('flags a misspelt option at flow and step level, and a flow-only option set per step', () => {
    expect(flagged({ ...base, targets: { argo: { namespce: 'ml' } } })).toEqual(['/targets/argo namespce']);
    expect(flagged({ ...base, steps: { train: { image: 'x', run: 'echo', targets: { stepfunctions: { jobQeue: 'q' } } } } })).toEqual(['/steps/train/targets/stepfunctions jobQeue']);
    expect(flagged({ ...base, steps: { train: { image: 'x', run: 'echo', targets: { argo: { namespace: 'ml' } } } } })).toEqual(['/steps/train/targets/argo namespace']);
  });

  it('accepts every option of every target at flow level, the per-step ones per step, and ${...} maps', () => {
    for (const t of TARGETS) {
      const keys = Object.keys((t.optionsSchema as { properties?: object } | undefined)?.properties ?? {});
      if (keys.length === 0) continue;
      expect(flagged({ ...base, targets: { [t.id]: Object.fromEntries(keys.map((k) => [k, 'v'])) } }), t.id).toEqual([]);
      const perStep = Object.fromEntries((t.perStepOptions ?? []).map((k) => [k, 'v']));
      expect(flagged({ ...base, steps: { train: { image: 'x', run: 'echo', targets: { [t.id]: perStep } } } }), t.id).toEqual([]);
      expect(flagged({ ...base, targets: { [t.id]: '${app.opts}' } }), t.id).toEqual([]);
    }
  });

  it('the compiler still reports one diagnostic per typo, with its did-you-mean (not also a schema error)', () => {
    const flowLevel = compileToIR(request(FLOW_TEXT.replace('argo: { namespace: ml,', 'argo: { namespce: ml,')));
    expect(flowLevel.diagnostics.map(at)).toEqual(['FLOWC601 /proj/demo.flow.yaml:8:11']);
    expect(JSON.stringify(flowLevel.diagnostics[0])).toContain('namespace');
    const stepLevel = compileToIR(request(FLOW_TEXT.replace('{ nodeSelector: { pool: gpu },', '{ nodeSelectr: { pool: gpu },')));
    expect(stepLevel.diagnostics.map(at)).toEqual(['FLOWC609 /proj/demo.flow.yaml:14:15']);
  });
});
