import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_EXPRESSION, renderText, type RenderScope } from '../../../src/targets/gcp-workflows/render-string.js';

const scope: RenderScope = { parameters: [], flowName: 'flow', stepId: 'st', items: null };

describe('renderText of one literal (its shortcut) is what the general path gives', () => {
  // [lit, empty lit] folds to the same single term on the general path, past the shortcut.
  const general = (text: string) => renderText([{ kind: 'lit', value: text }, { kind: 'lit', value: '' }], scope);
  const shortcut = (text: string) => renderText([{ kind: 'lit', value: text }], scope);

  it('plain, empty, `${`-holding and over-long text', () => {
    const long = `x\${y}${'z'.repeat(MAX_EXPRESSION)}`;
    for (const text of ['', 'echo hi', '$HOME {x}', '${', 'a ${b} "c"\n', '$${x}', long, 'é${ü}']) expect(shortcut(text)).toEqual(general(text));
  });

  it('any text', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.string().map((s) => `\${${s}`)), (text) => {
        expect(shortcut(text)).toEqual(general(text));
      }),
      { numRuns: 300 },
    );
  });
});
