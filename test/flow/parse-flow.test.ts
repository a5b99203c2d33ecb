import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import { DiagnosticBag } from '../../src/diagnostics/diagnostic.js';
import { buildWrittenFlow, parseFlow } from '../../src/flow/parse-flow.js';
import { SourceRegistry } from '../../src/source/files.js';
import { toJson } from '../../src/source/tree.js';
import { brief } from './helpers.js';

const exampleFile = fileURLToPath(new URL('./data/spec-example.flow.yaml', import.meta.url));

function parseText(text: string) {
  const sources = new SourceRegistry();
  sources.add('/flows/x.flow.yaml', text);
  const diagnostics = new DiagnosticBag();
  const flow = parseFlow({ file: '/flows/x.flow.yaml', sources, diagnostics });
  return { flow, diagnostics: diagnostics.items.map(brief) };
}

describe('parseFlow', () => {
  test('reads the SPEC example from disk into the written AST, nodes as written', () => {
    const diagnostics = new DiagnosticBag();
    const flow = parseFlow({ file: exampleFile, sources: new SourceRegistry(), diagnostics });
    expect(diagnostics.items).toEqual([]);
    expect(flow).toBeDefined();
    if (!flow) return;
    expect(flow.file).toBe(exampleFile);
    expect(flow.flowc.value).toBe(1);
    expect(flow.name).toMatchObject({ value: 'content-model', span: { line: 3, col: 7 } });
    expect(flow.description?.value).toBe('Train the content performance model');

    expect(flow.configs).toHaveLength(1);
    const [app] = flow.configs;
    expect(app?.name).toBe('app');
    expect(app?.nameSpan).toMatchObject({ line: 6, col: 3 });
    expect(app?.files.map((f) => f.value)).toEqual(['../config/base.toml']);
    expect(app?.schema?.value).toBe('../config/app.schema.json');
    expect(app?.default && toJson(app.default)).toEqual({ retries: 2 });

    expect(flow.parameters.map((p) => [p.name, p.type.value, p.default && toJson(p.default), p.required?.value, p.enum && toJson(p.enum)])).toEqual([
      ['alpha', 'number', 0.01, undefined, undefined],
      ['date', 'string', undefined, true, undefined],
      ['mode', 'string', 'full', undefined, ['full', 'incremental']],
    ]);
    expect(flow.parameters[0]?.description?.value).toBe('learning rate');

    // Interpolations stay as written; lowering resolves them.
    expect(flow.schedule && toJson(flow.schedule)).toBe('${app.schedule}');
    expect(flow.defaults?.image && toJson(flow.defaults.image)).toBe('${app.image}');
    expect(flow.defaults?.retry && toJson(flow.defaults.retry)).toEqual({ limit: 2, delay: '30s', backoff: 2, maxDelay: '10m' });
    expect(flow.defaults?.timeout && toJson(flow.defaults.timeout)).toBe('1h');

    expect(flow.targets.map((t) => t.id)).toEqual(['argo', 'stepfunctions', 'github-actions', 'gcp-workflows']);
    expect(toJson(flow.targets[2]?.node as never)).toEqual({ runsOn: 'ubuntu-latest', gpuRunsOn: ['self-hosted', 'gpu'] });

    expect(flow.steps.map((s) => s.id)).toEqual(['start', 'featurize', 'fetch', 'train']);
    const [start, featurize, fetch, train] = flow.steps;
    expect(start?.run && toJson(start.run)).toBe('python -m pipeline.start --date "${params.date}"');
    expect(start?.command).toBeUndefined();
    expect(featurize?.needs && toJson(featurize.needs)).toEqual(['start']);
    expect(fetch?.foreach && toJson(fetch.foreach)).toBe('${app.regions}');
    expect(fetch?.parallelism && toJson(fetch.parallelism)).toBe(4);
    // Shorthands are kept as written (retry: 3 is not yet { limit: 3 }).
    expect(train?.retry && toJson(train.retry)).toBe(3);
    expect(train?.timeout && toJson(train.timeout)).toBe('2h30m');
    expect(train?.resources && toJson(train.resources)).toEqual({ cpu: '${app.train.cpu}', memory: '${app.train.memory}', gpu: 1 });
    expect(train?.idSpan).toMatchObject({ line: 37, col: 3 });
    expect(train?.node.kind).toBe('map');
  });

  test('optional parts are absent, not empty nodes', () => {
    const { flow, diagnostics } = parseText('flowc: 1\nname: demo\nsteps:\n  a: { run: x }\n');
    expect(diagnostics).toEqual([]);
    expect(flow?.configs).toEqual([]);
    expect(flow?.parameters).toEqual([]);
    expect(flow?.targets).toEqual([]);
    expect(flow?.schedule).toBeUndefined();
    expect(flow?.defaults).toBeUndefined();
    expect(flow?.description).toBeUndefined();
  });

  test('schedule: null is kept as a null node (no schedule)', () => {
    const { flow } = parseText('flowc: 1\nname: demo\nschedule: null\nsteps:\n  a: { run: x }\n');
    expect(flow?.schedule).toMatchObject({ kind: 'scalar', value: null });
  });

  test('FLOWC001 when the file cannot be read', () => {
    const diagnostics = new DiagnosticBag();
    const flow = parseFlow({ file: '/no/such/dir/x.flow.yaml', sources: new SourceRegistry(), diagnostics });
    expect(flow).toBeUndefined();
    expect(diagnostics.items.map(brief)).toEqual(['FLOWC001 1:1 cannot read flow file /no/such/dir/x.flow.yaml: no such file']);
  });

  test('YAML errors stop before the shape check', () => {
    const { flow, diagnostics } = parseText('flowc: 1\nname: demo\nname: again\nsteps: {a: {run: x}}\n');
    expect(flow).toBeUndefined();
    expect(diagnostics).toHaveLength(1);
    expect(diagnostics[0]).toMatch(/^FLOWC102 3:1 /);
  });

  test('shape errors return undefined with every problem reported', () => {
    const { flow, diagnostics } = parseText('flowc: 3\nname: demo\nsteps:\n  a: { run: x, imag: y }\n');
    expect(flow).toBeUndefined();
    expect(diagnostics).toEqual([
      'FLOWC205 1:8 unsupported flow format version 3; this flowc reads flowc: 1',
      "FLOWC201 4:16 steps.a: unknown field 'imag'",
    ]);
  });

  test('buildWrittenFlow works on any shape-checked tree (e.g. after resolution)', () => {
    const { flow } = parseText('flowc: 1\nname: demo\nsteps:\n  a: { run: x }\n');
    if (!flow) throw new Error('expected a flow');
    const again = buildWrittenFlow({ root: flow.root, file: flow.file });
    expect(again).toEqual(flow);
  });
});
