import { describe, expect, it } from 'vitest';
import { credentialKind } from '../../src/config/credentials.js';
import { checkCron } from '../../src/flow/cron.js';
import { parseMemory } from '../../src/flow/units.js';
import { memoByText } from '../../src/source/text-memo.js';

// Issue 19: pure functions of a text that every unit of a build asks again (units, cron lines,
// credential checks) keep their answers by text. The oracle is the function itself, uncached.
describe('memoByText', () => {
  const inputs = ['512Mi', '4Gi', '1.1Gi', '16', 'x', '', '0 4 * * *', '@daily', 'ghp_abcdefghijklmnopqrstuvwxyz0123456789AB', '__proto__', 'constructor'];
  const oracle = (t: string) => ({ memory: parseMemoryOracle(t), length: t.length, parts: t.split('') });
  const parseMemoryOracle = (t: string) => JSON.stringify(parseMemory(t));

  it('answers as the function does, for every text in any order, computing each text once', () => {
    const calls = new Map<string, number>();
    const memo = memoByText((t: string) => {
      calls.set(t, (calls.get(t) ?? 0) + 1);
      return oracle(t);
    });
    const order = [...inputs, ...[...inputs].reverse(), ...inputs];
    for (const t of order) expect(memo(t), t).toEqual(oracle(t));
    expect([...calls.values()].every((n) => n === 1)).toBe(true);
    expect(calls.size).toBe(inputs.length);
  });

  it('keeps undefined answers, freezes answers, and past its bound computes without keeping', () => {
    let calls = 0;
    const none = memoByText((_t: string) => (calls++, undefined));
    none('a');
    none('a');
    expect(calls).toBe(1);
    const memo = memoByText((t: string) => ({ t, list: [t] }), 2);
    const first = memo('a');
    expect(() => (first as { t: string }).t = 'b').toThrow(TypeError);
    expect(() => first.list.push('b')).toThrow(TypeError);
    memo('b');
    // Past the bound: still the right answer, a fresh one each time.
    const c1 = memo('c');
    const c2 = memo('c');
    expect(c1).toEqual({ t: 'c', list: ['c'] });
    expect(c1).not.toBe(c2);
    expect(memo('a')).toBe(first);
  });

  it('is what the memoized readers return: the same answer, again and again', () => {
    for (const t of inputs) {
      expect(parseMemory(t)).toEqual(parseMemory(t));
      expect(checkCron(t)).toEqual(checkCron(t));
      expect(credentialKind(t)).toBe(credentialKind(t));
    }
    expect(parseMemory('1.1Gi')).toEqual({ ok: true, value: 1127 });
    expect(parseMemory(16)).toEqual({ ok: true, value: 16 });
    expect(credentialKind('ghp_abcdefghijklmnopqrstuvwxyz0123456789AB')).toBe('a GitHub token');
    expect(checkCron('@daily')).toMatchObject({ ok: true, normalized: '0 0 * * *' });
  });
});
