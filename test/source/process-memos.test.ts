import { describe, expect, it } from 'vitest';
import { compileTargets } from '../../src/pipeline/compile.js';
import { forgetMemos } from '../../src/source/process-memos.js';
import { memoByText } from '../../src/source/text-memo.js';
import { TARGETS } from '../../src/targets/index.js';
import { fixtureDir, fixtureRequest, validFixtures } from '../helpers/fixtures.js';

describe('forgetMemos: the next compile finds what a new process finds', () => {
  it('a memo by text computes its answer again after it', () => {
    const asked: string[] = [];
    const length = memoByText((text: string) => {
      asked.push(text);
      return { length: text.length };
    });
    expect(length('abc').length).toBe(3);
    length('abc');
    expect(asked).toEqual(['abc']);
    forgetMemos();
    expect(length('abc').length).toBe(3);
    expect(asked).toEqual(['abc', 'abc']);
  });

  it('every fixture compiles to every target byte for byte the same with the tables full and emptied', () => {
    const targets = TARGETS.map((t) => t.id);
    const names = validFixtures();
    expect(names.length).toBeGreaterThan(5);
    const compileAll = () => names.map((name) => compileTargets({ ...fixtureRequest(fixtureDir(name)), targets }).artifacts.map((a) => `${a.path}\n${a.contents}`));
    const warm = compileAll();
    compileAll();
    const again = compileAll();
    forgetMemos();
    const afresh = compileAll();
    expect(again).toEqual(warm);
    expect(afresh).toEqual(warm);
    expect(afresh.flat().length).toBeGreaterThan(names.length);
  });
});
