import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Diagnostic } from '../../src/diagnostics/diagnostic.js';
import { diagnosticsToJson, formatDiagnostics } from '../../src/diagnostics/print.js';
import { cutAtName, groupUnitDiagnostics } from '../../src/diagnostics/unit-groups.js';
import { failedUnit, unitDiagnostics } from '../../src/project/unit-diagnostics.js';
import type { UnitOutput } from '../../src/project/unit.js';

const span = { file: '/p/flow.yaml', line: 1, col: 1, endLine: 1, endCol: 5 };
const out = (name: string, ...diagnostics: Diagnostic[]): UnitOutput => ({ name, ok: !diagnostics.some((d) => d.severity === 'error'), files: [], diagnostics });
const w = (message: string, extra: Partial<Diagnostic> = {}): Diagnostic => ({ code: 'FLOWC628', severity: 'warning', message, span, ...extra });
const shown = (outputs: UnitOutput[], noun: 'binding' | 'variant' = 'binding') => groupUnitDiagnostics(unitDiagnostics({ outputs, noun }));
const names = (n: number) => Array.from({ length: n }, (_, i) => `variant-${String(i).padStart(4, '0')}`);

describe('the same problem in many units is shown once', () => {
  it('1,000 bindings whose message names the binding: one entry, the name as <binding>, the first five named', () => {
    const ds = shown(names(1000).map((n) => out(n, w(`writes ${n}.batch.json for '${n}'`, { notes: ['write it without the revision'] }))));
    expect(ds).toEqual([
      {
        ...w("writes <binding>.batch.json for '<binding>'"),
        notes: [
          'write it without the revision',
          "in 1,000 bindings: 'variant-0000', 'variant-0001', 'variant-0002', 'variant-0003', 'variant-0004' and 995 more",
          "<binding> above is each binding's own name",
        ],
      },
    ]);
  });

  it('the same words in several units, and a name cut in notes too; up to five units are listed without a count', () => {
    expect(shown(['a', 'b', 'c'].map((n) => out(n, w('same everywhere'))))[0]!.notes).toEqual(["in bindings 'a', 'b', 'c'"]);
    const ds = shown(['x', 'y'].map((n) => out(n, w('m', { notes: [`see ${n}/${n}.ir.json`] }))), 'variant');
    expect(ds).toEqual([{ ...w('m'), notes: ['see <variant>/<variant>.ir.json', "in variants 'x', 'y'", "<variant> above is each variant's own name"] }]);
  });

  it('one unit: its own text, no placeholder', () => {
    expect(shown([out('a', w('to a.json'))])).toEqual([{ ...w('to a.json'), notes: ["in binding 'a'"] }]);
  });

  it('keeps the order of first appearance; diagnostics of no unit pass through', () => {
    const free: Diagnostic = { code: 'FLOWC715', severity: 'warning', message: 'jobs' };
    const ds = groupUnitDiagnostics([free, ...unitDiagnostics({ outputs: [out('a', w('p a'), w('q')), out('b', w('p b'), w('q'))], noun: 'binding' })]);
    expect(ds.map((d) => d.message)).toEqual(['jobs', 'p <binding>', 'q']);
  });
});

describe('a flowc bug in every unit', () => {
  it('FLOWC716 naming each unit is said once; FLOWC709 still names every failing unit', () => {
    const outputs = ['a', 'b', 'c'].map((name) => failedUnit({ name }, { message: 'x is undefined' }, false));
    const text = formatDiagnostics(unitDiagnostics({ outputs, noun: 'binding' }), { relativize: (p) => p });
    expect(text.match(/FLOWC716/g)).toHaveLength(1);
    expect(text).toContain("error FLOWC716: compiling '<binding>' failed unexpectedly: x is undefined\n");
    expect(text.match(/FLOWC709/g)).toHaveLength(3);
    expect(text.endsWith('\n6 errors (4 distinct)\n')).toBe(true);
    // Binding 'a' is also a word of the note ("a bug"): it still joins the others, listed first.
    expect(text).toContain("\n  note: in bindings 'a', 'b', 'c'\n");
  });
});

describe('never merges two different problems', () => {
  const count = (outputs: UnitOutput[]) => shown(outputs).filter((d) => d.code !== 'FLOWC709').length;

  it('text that differs beyond the unit name', () => {
    expect(count([out('a', w('to a.json')), out('b', w('to c.json'))])).toBe(2);
    expect(count([out('a', w('to a.json')), out('b', w('to b.yaml'))])).toBe(2);
  });

  it('a different code, severity, span start or end, note or noun', () => {
    expect(count([out('a', w('x a')), out('b', w('x b', { code: 'FLOWC633' }))])).toBe(2);
    expect(count([out('a', w('x a')), out('b', w('x b', { severity: 'error' }))])).toBe(2);
    expect(count([out('a', w('x a')), out('b', w('x b', { span: { ...span, col: 2 } }))])).toBe(2);
    expect(count([out('a', w('x a')), out('b', w('x b', { span: { ...span, endCol: 9 } }))])).toBe(2);
    expect(count([out('a', w('x a')), out('b', w('x b', { span: { ...span, file: '/p/other.yaml' } }))])).toBe(2);
    // The very same words too: a span that ends elsewhere is another place.
    expect(count([out('a', w('same')), out('b', w('same', { span: { ...span, endCol: 9 } }))])).toBe(2);
    expect(count([out('a', w('x a', { notes: ['n'] })), out('b', w('x b', { notes: ['m'] }))])).toBe(2);
    expect(count([out('a', w('x a')), out('b', w('x b', { notes: ['n'] }))])).toBe(2);
    const both = [...unitDiagnostics({ outputs: [out('a', w('x a'))], noun: 'binding' }), ...unitDiagnostics({ outputs: [out('b', w('x b'))], noun: 'variant' })];
    expect(groupUnitDiagnostics(both)).toHaveLength(2);
  });

  it('a name inside a longer word or name is not the unit', () => {
    expect(cutAtName('variant-12 and variant-1.json, data', 'variant-1')).toEqual(['variant-12 and ', '.json, data']);
    expect(cutAtName("'a' at data_a a-b b.a", 'a')).toEqual(["'", "' at data_a a-b b.", '']);
    // 'a-x' and 'b-x' would be the same text with the name cut out, but '-x' continues the name.
    expect(count([out('a', w('step a-x')), out('b', w('step b-x'))])).toBe(2);
  });

  it('a unit named like a word of the text joins only a group whose text, with its name put in, is its own', () => {
    const ds = shown([out('b', w('to b.json: a bug')), out('a', w('to a.json: a bug')), out('c', w('to c.json: a bug'))]);
    expect(ds).toEqual([{ ...w('to <binding>.json: a bug'), notes: ["in bindings 'b', 'a', 'c'", "<binding> above is each binding's own name"] }]);
    expect(count([out('a', w('to a.json: a bug')), out('b', w('to b.json: the bug'))])).toBe(2);
    // Here each unit's name stands in both places: one problem, and the template says so.
    expect(shown([out('a', w('to a.json: a bug')), out('b', w('to b.json: b bug'))])[0]!.message).toBe('to <binding>.json: <binding> bug');
  });

  it('the same words where one unit happens to be named like a word in them', () => {
    // Binding 'train' and binding 'x' both report step 'train': the same text, shown as it is.
    const ds = shown([out('train', w("step 'train' needs 452 minutes")), out('x', w("step 'train' needs 452 minutes"))]);
    expect(ds).toEqual([{ ...w("step 'train' needs 452 minutes"), notes: ["in bindings 'train', 'x'"] }]);
  });

  // Oracle: every shown entry, with <binding> replaced by each unit it lists, is exactly a
  // diagnostic that unit reported, and every reported diagnostic is shown. (A unit reporting the
  // very same diagnostic twice is listed once, as unitDiagnostics always did: set semantics.)
  it('property: expanding each shown entry gives back exactly what each unit reported', () => {
    const NAMES = ['a', 'b', 'ab', 'a-b', 'data'];
    const token = fc.constantFrom(...NAMES, ' ', "'", '.', '-', '_', '/', 'x', 'data_a');
    const text = fc.array(token, { maxLength: 4 }).map((ts) => ts.join(''));
    const diag = fc.record({
      code: fc.constantFrom('FLOWC628' as const, 'FLOWC633' as const),
      severity: fc.constantFrom('warning' as const, 'error' as const),
      message: text,
      notes: fc.option(fc.array(text, { maxLength: 2 }), { nil: undefined }),
      col: fc.integer({ min: 1, max: 2 }),
      endCol: fc.option(fc.integer({ min: 2, max: 3 }), { nil: undefined }),
    });
    const units = fc.uniqueArray(fc.constantFrom(...NAMES), { minLength: 1, maxLength: 5 }).chain((ns) => fc.tuple(...ns.map((n) => fc.tuple(fc.constant(n), fc.array(diag, { maxLength: 3 })))));
    fc.assert(
      fc.property(units, (us) => {
        const key = (unit: string, d: Diagnostic) => JSON.stringify([unit, d.code, d.severity, d.message, d.notes ?? [], d.span]);
        const outputs = us.map(([name, ds]) =>
          out(
            name,
            ...ds.map((r): Diagnostic => {
              const d: Diagnostic = { code: r.code, severity: r.severity, message: r.message, span: { file: '/p/f.yaml', line: 1, col: r.col, ...(r.endCol ? { endLine: 1, endCol: r.endCol } : {}) } };
              if (r.notes && r.notes.length > 0) d.notes = r.notes;
              return d;
            }),
          ),
        );
        const reported = new Set(outputs.flatMap((o) => o.diagnostics.map((d) => key(o.name, d))));
        const expanded = new Set<string>();
        for (const s of groupUnitDiagnostics(unitDiagnostics({ outputs, noun: 'binding' }))) {
          if (s.code === 'FLOWC709') continue;
          const notes = [...s.notes!];
          const placeholder = notes.at(-1) === "<binding> above is each binding's own name" ? (notes.pop(), '<binding>') : undefined;
          const listed = [...notes.pop()!.matchAll(/'([^']*)'/g)].map((m) => m[1]!);
          for (const n of listed) {
            const fill = (t: string) => (placeholder ? t.replaceAll(placeholder, n) : t);
            const d: Diagnostic = { code: s.code, severity: s.severity, message: fill(s.message), span: s.span! };
            if (notes.length > 0) d.notes = notes.map(fill);
            expanded.add(key(n, d));
          }
        }
        expect([...expanded].sort()).toEqual([...reported].sort());
      }),
      { numRuns: 300 },
    );
  });
});

describe('printing', () => {
  const ds = unitDiagnostics({ outputs: names(12).map((n) => out(n, w(`to ${n}.batch.json`))), noun: 'binding' });

  it('text: one entry; the count line counts the entries JSON lists and says how many are distinct', () => {
    const text = formatDiagnostics(ds, { relativize: (p) => p.slice(3) });
    expect(text.match(/FLOWC628/g)).toHaveLength(1);
    expect(text).toContain("note: in 12 bindings: 'variant-0000', 'variant-0001', 'variant-0002', 'variant-0003', 'variant-0004' and 7 more\n");
    expect(text.endsWith('\n12 warnings (1 distinct)\n')).toBe(true);
    // Nothing merged: no "(n distinct)".
    expect(formatDiagnostics([w('one')], { relativize: (p) => p }).endsWith('\n1 warning\n')).toBe(true);
  });

  it('the 100-entry cap counts what is printed', () => {
    const many = unitDiagnostics({ outputs: names(150).map((n) => out(n, w(`to ${n}.json`), w(`x${n}`))), noun: 'binding' });
    const text = formatDiagnostics(many, { relativize: (p) => p });
    expect(text.match(/FLOWC628/g)).toHaveLength(100);
    expect(text).toContain('\n... 51 more not shown (--diagnostics json lists them all)\n300 warnings (151 distinct)\n');
  });

  it('--diagnostics json: one entry per unit, its own text, noted with its unit as before', () => {
    const json = JSON.parse(diagnosticsToJson(ds, (p) => p)).diagnostics;
    expect(json).toHaveLength(12);
    expect(json[3]).toEqual({ severity: 'warning', code: 'FLOWC628', message: 'to variant-0003.batch.json', file: '/p/flow.yaml', line: 1, col: 1, endLine: 1, endCol: 5, notes: ["in binding 'variant-0003'"] });
    const same = JSON.parse(diagnosticsToJson(unitDiagnostics({ outputs: names(7).map((n) => out(n, w('same'))), noun: 'variant' }), (p) => p)).diagnostics;
    expect(same).toEqual([{ severity: 'warning', code: 'FLOWC628', message: 'same', file: '/p/flow.yaml', line: 1, col: 1, endLine: 1, endCol: 5, notes: ["in variants 'variant-0000', 'variant-0001', 'variant-0002', 'variant-0003', 'variant-0004' and 2 more"] }]);
  });
});
