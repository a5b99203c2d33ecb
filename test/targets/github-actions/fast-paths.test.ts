import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { renderTemplate, type TemplatePart } from '../../../src/targets/github-actions/expressions.js';
import { readOptions, readStepOptions } from '../../../src/targets/github-actions/options.js';
import { fixtureIR, validFixtures } from '../../helpers/fixtures.js';

/**
 * The github-actions target's fast paths (issue 19, speed) against the slow computations they
 * replace; each test fails when its fast path is broken (checked by hand once).
 */

describe('renderTemplate of one part (text without ${{, or one expression)', () => {
  const text = fc.array(fc.constantFrom('a', ' ', '$', '{', '}', '${{', '}}', "'", 'é', '\n'), { maxLength: 8 }).map((a) => a.join(''));
  const part: fc.Arbitrary<TemplatePart> = fc.oneof(
    text.map((t): TemplatePart => ({ kind: 'text', text: t })),
    fc.constantFrom<TemplatePart>({ kind: 'expr', expr: 'inputs.a' }, { kind: 'expr', expr: "format('{0}', github.ref)" }),
  );

  test('renders as the general path does (an empty text part after it forces that path)', () => {
    fc.assert(
      fc.property(part, (p) => {
        expect(renderTemplate([p])).toEqual(renderTemplate([p, { kind: 'text', text: '' }]));
      }),
      { numRuns: 500 },
    );
  });
});

describe("a step without overrides runs with the flow's options, read once", () => {
  test("they equal the step's own reading, for every fixture step", () => {
    for (const name of validFixtures()) {
      const ir = fixtureIR(name);
      for (const step of ir.steps) {
        if (Object.hasOwn(step.targets, 'github-actions')) continue;
        expect(readOptions(ir), `${name}: ${step.id}`).toEqual(readStepOptions(ir, step));
      }
    }
  });
});
