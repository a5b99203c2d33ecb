import { describe, expect, it } from 'vitest';
import { gcwYamlRules, serializeYamlViaYaml } from '../../../src/targets/gcp-workflows/serialize.js';
import { STEP_SUBWORKFLOW } from '../../../src/targets/gcp-workflows/names.js';
import { FINISHED_VAR } from '../../../src/targets/gcp-workflows/dag-scheduler.js';
import { writeYaml } from '../../../src/targets/yaml-write.js';
import { yamlComment } from '../../../src/targets/yaml-text.js';

/**
 * The compact layout's choice of one-line maps, made on plain values by the direct writer, against
 * the same choice made on the yaml package's nodes (serializeYamlViaYaml): maps that are almost a
 * single-call branch or a schedule mark, with a key too many, an undefined value or none.
 */
describe('compact layout: which maps are one line (direct writer vs the yaml package)', () => {
  const call = (n: number) => ({ call: STEP_SUBWORKFLOW, args: { step: `s${n}`, commands: ['a', 'b'] } });
  const branches: unknown[] = [
    { steps: [{ s1: call(1) }] },
    { steps: [{ s1: call(1) }], extra: 1 },
    { steps: [{ s1: call(1) }], extra: undefined },
    { steps: [{ s1: call(1), s2: call(2) }] },
    { steps: [{ s1: call(1), s2: undefined }] },
    { steps: [{}] },
    { steps: [{ s1: call(1) }, { s2: call(2) }] },
    { steps: [] },
    {},
  ];
  const marks: unknown[] = [
    { assign: [{ [`${FINISHED_VAR}["a"]`]: true }] },
    { assign: [{ x: 1, [`${FINISHED_VAR}["a"]`]: true }] },
    { assign: [{ x: 1, y: 2 }] },
    { assign: [{ x: undefined, [`${FINISHED_VAR}["a"]`]: true }] },
    { assign: [{ [`${FINISHED_VAR}["a"]`]: undefined, y: 2 }] },
    { assign: [{}] },
  ];

  it('writes each the same', () => {
    for (const [i, item] of [...branches, ...marks].entries()) {
      const doc = { main: { steps: [{ [`p${i}`]: { parallel: { branches: [{ b: item }] } } }, { [`m${i}`]: item }] } };
      const fast = writeYaml(doc, gcwYamlRules('compact'), yamlComment(['h']));
      expect(fast).toBeDefined();
      expect(fast).toBe(serializeYamlViaYaml(doc, ['h'], 'compact'));
    }
  });
});
