import { describe, expect, it } from 'vitest';
import { lazyView } from '../../src/targets/lazy-view.js';
import { findTarget, REGISTERED_TARGETS, TARGET_ALIASES, TARGETS, TEMPLATE_TARGETS } from '../../src/targets/index.js';

describe('a lazy registry value', () => {
  it('is made on first read, once, and reads like the value', () => {
    let made = 0;
    const list = lazyView<number[]>([], () => {
      made++;
      return [3, 1, 2];
    });
    const record = lazyView<Record<string, string>>({}, () => ({ sfn: 'stepfunctions' }));
    expect(made).toBe(0);
    expect(Array.isArray(list)).toBe(true);
    expect(made).toBe(0);
    expect(list.length).toBe(3);
    expect([...list]).toEqual([3, 1, 2]);
    expect(list.map((x) => x * 2)).toEqual([6, 2, 4]);
    expect(list.find((x) => x < 3)).toBe(1);
    expect(list).toEqual([3, 1, 2]);
    expect(made).toBe(1);
    expect(Object.hasOwn(record, 'sfn') && record.sfn).toBe('stepfunctions');
    expect(Object.keys(record)).toEqual(['sfn']);
    expect('gha' in record).toBe(false);
    expect(record).toEqual({ sfn: 'stepfunctions' });
  });

  it('gives the registry the code targets, then the built-in templates, and their aliases', () => {
    expect(REGISTERED_TARGETS.map((t) => t.id)).toEqual([...TARGETS.map((t) => t.id), ...TEMPLATE_TARGETS.map((t) => t.id)]);
    expect(TEMPLATE_TARGETS.map((t) => t.id)).toContain('airflow');
    expect(findTarget('airflow')).toBe(TEMPLATE_TARGETS.find((t) => t.id === 'airflow'));
    expect(findTarget('sfn')?.id).toBe('stepfunctions');
    expect(TARGET_ALIASES.gha).toBe('github-actions');
  });
});
