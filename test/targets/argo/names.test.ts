import { describe, expect, test } from 'vitest';
import { DNS1123_LABEL, shortenWithHash, toDnsLabel, uniqueName, workflowName } from '../../../src/targets/argo/names.js';
import { compileArgo, documents, flow, lit, step, validateArgo } from './helpers.js';

describe('names', () => {
  test('step ids become DNS-1123 labels', () => {
    expect(toDnsLabel('train_model')).toBe('train-model');
    expect(toDnsLabel('a__b')).toBe('a--b');
    expect(toDnsLabel('trailing_')).toBe('trailing');
    expect(DNS1123_LABEL.test(toDnsLabel('x_1_'))).toBe(true);
  });

  test('workflow names stay within 45 characters with a stable hash', () => {
    const long = 'a-very-long-flow-name-that-goes-on-and-on-and-on-x';
    const a = workflowName(long, 45);
    expect(a.length).toBeLessThanOrEqual(45);
    expect(a).toBe(workflowName(long, 45));
    expect(a).toMatch(/^a-very-long-flow-name-that-goes-on-a-[0-9a-f]{8}$/);
    expect(a).toHaveLength(45);
    expect(DNS1123_LABEL.test(a)).toBe(true);
    // Same prefix, different name: different result.
    expect(workflowName(`${long}y`, 45)).not.toBe(a);
    expect(workflowName('short', 45)).toBe('short');
    expect(shortenWithHash('abc', 3)).toBe('abc');
  });

  test('generated names avoid names already taken', () => {
    const taken = new Set(['main', 'main-2']);
    expect(uniqueName('main', taken)).toBe('main-3');
    expect(taken.has('main-3')).toBe(true);
  });

  test('a step named main does not collide with the entry DAG', () => {
    const { text } = compileArgo(flow([step('main'), step('main_2', { needs: ['main'] })]));
    const [wt] = validateArgo(text as string);
    expect(wt?.spec.entrypoint).toBe('main-3');
    expect(wt?.spec.templates.map((t: { name: string }) => t.name)).toEqual(['main-3', 'main', 'main-2']);
  });

  test('a foreach wrapper steps aside for a step that has its name', () => {
    const ir = flow([
      step('fetch', { foreach: { items: ['a'], from: null, parallelism: 1 }, exec: { kind: 'command', argv: [lit('f'), [{ kind: 'item', path: [] }]] } }),
      step('fetch_items', { needs: ['fetch'] }),
    ]);
    const [wt] = validateArgo(compileArgo(ir).text as string);
    expect(wt?.spec.templates.map((t: { name: string }) => t.name)).toEqual(['main', 'fetch', 'fetch-items-2', 'fetch-items']);
    expect(wt?.spec.templates[0].dag.tasks[0]).toEqual({ name: 'fetch', template: 'fetch-items-2' });
  });

  test('flow names that are not DNS labels are sanitized', () => {
    expect(workflowName('My_Flow-', 45)).toBe('my-flow');
    expect(workflowName('___', 45)).toBe('flow');
  });

  test('long flow names are shortened in metadata but the file keeps the flow name', () => {
    const ir = flow([step('a')]);
    ir.flow.name = 'nightly-content-performance-model-training-pipeline';
    const { text } = compileArgo(ir);
    const [wt] = documents(text as string);
    expect(wt?.metadata.name.length).toBeLessThanOrEqual(45);
    expect(wt?.metadata.name).toBe(workflowName(ir.flow.name, 45));
  });

  test('FLOWC602: two step ids that sanitize to the same task name', () => {
    const ir = flow([step('load_x'), step('load_x_', { origin: { file: 'flow.yaml', line: 7, col: 3 } })]);
    const { text, diagnostics } = compileArgo(ir);
    expect(text).toBeNull();
    expect(diagnostics.items).toHaveLength(1);
    expect(diagnostics.items[0]).toMatchObject({
      code: 'FLOWC602',
      severity: 'error',
      span: { file: 'flow.yaml', line: 7, col: 3 },
    });
    expect(diagnostics.items[0]?.message).toContain("'load_x' and 'load_x_'");
    expect(diagnostics.items[0]?.message).toContain("'load-x'");
  });
});
