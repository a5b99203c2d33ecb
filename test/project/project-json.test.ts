import fc from 'fast-check';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DiagnosticBag } from '../../src/diagnostics/diagnostic.js';
import { loadProject } from '../../src/project/project-file.js';
import { SourceRegistry, SourceText } from '../../src/source/files.js';
import { parseJsonTree } from '../../src/source/json.js';
import { parseYamlTree } from '../../src/source/yaml.js';
import { tempFolders } from './helpers.js';

const { project } = tempFolders();

/**
 * The property the project file's JSON path rests on (project-file.ts, readProjectTree): a text
 * the JSON reader takes without a problem is read by the YAML reader (the oracle) into the same
 * tree, spans included, also without a problem. The two differ only where the project reader never
 * looks: YAML marks unquoted scalars `quoted: false` (JSON leaves it out) and reads `-0` as 0.
 */
function comparable(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(comparable);
  if (typeof node === 'number' && node === 0) return 0;
  if (typeof node !== 'object' || node === null) return node;
  return Object.fromEntries(Object.entries(node).filter(([k, v]) => !(k === 'quoted' && v === false)).map(([k, v]) => [k, comparable(v)]));
}

function agrees(text: string): void {
  const src = new SourceText('/p/flowc.yaml', text);
  const json = new DiagnosticBag();
  const tree = parseJsonTree(src, json);
  if (tree === undefined || json.items.length > 0) return;
  const yaml = new DiagnosticBag();
  expect(comparable(parseYamlTree(src, yaml))).toEqual(comparable(tree));
  expect(yaml.items).toEqual([]);
}

const tricky = fc.constantFrom('\u007f', '\u0085', '\u0090', '\u00a0', '\ufeff', '\u2028', '\t', '/', '\\', '"', ':', '#', '- ', '? ', '&a', '*a', '!!str', '%', '@', '`', '{}', '[]', ',', '\ud83d\ude00', 'x'.repeat(1030), ' ', 'null', 'true', '0x1f', '1e3', '-0');
const text = fc.oneof(fc.string({ unit: 'binary' }), fc.array(tricky, { maxLength: 4 }).map((a) => a.join('')));
const value: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  v: fc.oneof({ depthSize: 'small' }, text, fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.constantFrom(null, true, false, 0, -0, 1e21, 2 ** 53, 1.5e-7), fc.array(tie('v'), { maxLength: 4 }), fc.dictionary(text, tie('v'), { maxKeys: 4 })),
})).v;

describe('a project file written as JSON', () => {
  it('is read by the JSON reader into the tree the YAML reader gives (generated JSON in every layout)', () => {
    fc.assert(
      fc.property(fc.dictionary(text, value, { maxKeys: 5 }), fc.constantFrom(undefined, 0, 1, 2, '\t', ' \t'), (v, indent) => agrees(JSON.stringify(v, null, indent))),
      { numRuns: 400 },
    );
  });

  it('agrees on hand-picked texts where JSON and YAML part ways', () => {
    for (const t of ['{"a":1}', '{"a" :1 , "b":[1,2 ,3]}', '{"a":"\\/"}', '{"a":-0}', '{"a":1e400}', '{"a":12345678901234567890}', '{"a":1.0,"b":1E+2}', `{"${'k'.repeat(1100)}": 1}`, '{"a":"x\\u0000"}', '{"a":"\\ud800"}', '{"a":1,"a":2}', '{\r\n"a": 1\r\n}', '{"a": "#not a comment"}', '{"a":1}\n# trailing', '  \n {"a":{"b":{"c":[{}]}}}']) {
      agrees(t);
    }
  });

  it('builds the same project as the YAML reader, and YAML-only texts still go to the YAML reader', () => {
    const dir = project();
    const file = join(dir, 'flowc.yaml');
    const yamlText = readFileSync(file, 'utf8');
    const asYaml = loadProject({ file, sources: new SourceRegistry(), diagnostics: new DiagnosticBag() });
    const bindings = [
      { name: 'content-base' },
      { name: 'content-ctr', configs: { app: 'config/ctr.toml' } },
      { name: 'content-retention', configs: { app: ['config/retention.toml'] }, set: ['app.train.epochs=20'] },
    ];
    const jsonText = JSON.stringify({ flowc: 1, targets: ['argo', 'stepfunctions', 'github-actions', 'gcp-workflows'], out: 'build', flow: 'content-model.flow.yaml', bindings }, null, 2);
    writeFileSync(file, jsonText);
    const asJson = loadProject({ file, sources: new SourceRegistry(), diagnostics: new DiagnosticBag() });
    expect(asJson?.bindings.map((b) => [b.name, b.set, b.configs.map((c) => c.file)])).toEqual(asYaml?.bindings.map((b) => [b.name, b.set, b.configs.map((c) => c.file)]));
    // Spans (they reach diagnostics and lockfile provenance) point into the JSON text.
    const at = (needle: string) => {
      const before = jsonText.slice(0, jsonText.indexOf(needle)).split('\n');
      return { line: before.length, col: (before.at(-1) as string).length + 1 };
    };
    expect(asJson?.bindings[2]?.setSpans[0]).toMatchObject({ file, ...at('"app.train.epochs=20"') });
    expect(asJson?.bindings[1]?.nameSpan).toMatchObject({ file, ...at('"content-ctr"') });
    // JSON with a YAML comment: not JSON, so the YAML reader reads it (and accepts it).
    writeFileSync(file, `{"flowc": 1, "flow": "content-model.flow.yaml", "targets": ["ir"], "bindings": [{"name": "a"}]} # yaml\n`);
    const d = new DiagnosticBag();
    expect(loadProject({ file, sources: new SourceRegistry(), diagnostics: d })?.bindings.map((b) => b.name)).toEqual(['a']);
    expect(d.items).toEqual([]);
    // A duplicate key is refused by both: the YAML reader reports it, at the second key.
    writeFileSync(file, '{"flowc": 1, "flowc": 1, "bindings": []}');
    const dup = new DiagnosticBag();
    expect(loadProject({ file, sources: new SourceRegistry(), diagnostics: dup })).toBeUndefined();
    expect(dup.items.map((x) => [x.code, x.span?.line, x.span?.col])).toEqual([['FLOWC102', 1, 14]]);
    expect(yamlText).toContain('bindings:');
  });
});
