import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { IR } from '../../../src/ir/types.js';
import { expectGolden } from '../../helpers/golden.js';
import { fixtureDir, fixtureIR, validFixtures } from '../../helpers/fixtures.js';
import type { Value } from './interpreter/expr.js';
import { checkExecution, compile, execute } from './helpers.js';
import { schemaErrors, structureProblems } from './structure.js';

/** An execution argument: required parameters get a value of their type, the rest keep defaults. */
export function sampleArgs(ir: IR): Record<string, Value> {
  const args: Record<string, Value> = {};
  for (const p of ir.parameters) {
    if (!p.required) continue;
    args[p.name] = p.enum?.[0] ?? (p.type === 'string' ? 'sample' : p.type === 'boolean' ? true : 1);
  }
  return args;
}

describe.each(validFixtures())('fixture %s', (name) => {
  const ir = fixtureIR(name);
  const { artifacts, diagnostics, yaml } = compile(ir);
  const expected = join(fixtureDir(name), 'expected');

  it('matches its golden files', () => {
    if (diagnostics.hasErrors()) {
      // A fixture this target rejects keeps its diagnostics as the golden, so a change shows up.
      const text = diagnostics.items.map((d) => `${d.code} ${d.span ? `${d.span.file}:${d.span.line}:${d.span.col}: ` : ''}${d.message}`).join('\n');
      expectGolden(join(expected, `${ir.flow.name}.gcp.diagnostics.txt`), `${text}\n`);
      expect(artifacts).toEqual([]);
      return;
    }
    for (const a of artifacts) expectGolden(join(expected, a.path), a.contents);
    expect(artifacts.map((a) => a.path)).toEqual(
      ir.schedule ? [`${ir.flow.name}.gcp.yaml`, `${ir.flow.name}.scheduler.json`] : [`${ir.flow.name}.gcp.yaml`],
    );
  });

  // A rejected fixture has no definition; its golden above holds the diagnostics instead.
  const rejected = diagnostics.hasErrors();

  it('is valid against the Workflows subset schema', () => {
    expect(rejected ? [] : schemaErrors(yaml)).toEqual([]);
    expect(yaml === '').toBe(rejected);
  });

  it('calls every step once, in an order that respects needs', () => {
    if (rejected) return;
    expect(structureProblems(ir, yaml)).toEqual([]);
  });

  it('runs in the interpreter: each step (item) once, every needs edge in time', async () => {
    if (rejected) return;
    const e = await execute(yaml, sampleArgs(ir), { duration: (s, item) => 5 + ((s.length * 7 + (item?.length ?? 0) * 3) % 11) });
    expect(checkExecution(ir, e)).toEqual([]);
  });

  it('compiles to the same bytes twice', () => {
    expect(compile(ir).artifacts).toEqual(artifacts);
  });
});
