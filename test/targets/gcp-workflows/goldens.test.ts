import { describe, expect, it } from 'vitest';
import { fixtureIR } from '../../helpers/fixtures.js';
import { compiledFixtures } from '../refused.js';
import { checkExecution, compile, execute, sampleArgs, sampleWrites } from './helpers.js';
import { schemaErrors, structureProblems } from './structure.js';

/**
 * Golden bytes are compared once for every target in test/targets/golden.test.ts; here each
 * fixture this target compiles (all but those in test/targets/refused.ts) is checked and executed.
 */
describe.each(compiledFixtures('gcp-workflows'))('fixture %s', (name) => {
  const ir = fixtureIR(name);
  const { artifacts, diagnostics, yaml } = compile(ir);

  it('compiles without errors to the definition (and the scheduler job when scheduled)', () => {
    expect(diagnostics.errors()).toEqual([]);
    expect(artifacts.map((a) => a.path)).toEqual(
      ir.schedule ? [`${ir.flow.name}.gcp.yaml`, `${ir.flow.name}.scheduler.json`] : [`${ir.flow.name}.gcp.yaml`],
    );
  });

  it('is valid against the Workflows subset schema', () => {
    expect(schemaErrors(yaml)).toEqual([]);
    expect(yaml).not.toBe('');
  });

  it('calls every step once, in an order that respects needs', () => {
    expect(structureProblems(ir, yaml)).toEqual([]);
  });

  it('runs in the interpreter: each step (item) once, every needs edge in time', async () => {
    const e = await execute(yaml, sampleArgs(ir), { duration: (s, item) => 5 + ((s.length * 7 + (item?.length ?? 0) * 3) % 11), writes: sampleWrites(ir) });
    expect(checkExecution(ir, e)).toEqual([]);
  });

  it('compiles to the same bytes twice', () => {
    expect(compile(ir).artifacts).toEqual(artifacts);
  });
});
