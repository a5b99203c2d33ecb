import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { DiagnosticBag } from '../../src/diagnostics/diagnostic.js';
import type { IRRetry } from '../../src/ir/types.js';
import { goDuration } from '../../src/targets/argo/quantities.js';
import { REGISTERED_TARGETS as TARGETS } from '../../src/targets/index.js';
import { makeIR, step } from '../helpers/ir-builders.js';

/** Every value under `key`, anywhere in a parsed document. */
function valuesOf(doc: unknown, key: string, out: unknown[] = []): unknown[] {
  if (Array.isArray(doc)) for (const x of doc) valuesOf(x, key, out);
  else if (doc !== null && typeof doc === 'object') {
    for (const [k, v] of Object.entries(doc)) {
      if (k === key) out.push(v);
      valuesOf(v, key, out);
    }
  }
  return out;
}

/**
 * The longest retry wait each target writes, read back from its primary artifact. A target missing
 * here fails the test below: every target must show that its waits are bounded.
 */
const LONGEST_WAIT: Record<string, (text: string) => number | string> = {
  argo: (text) => valuesOf(parse(text), 'cap')[0] as string,
  stepfunctions: (text) => Math.max(...(valuesOf(JSON.parse(text), 'MaxDelaySeconds') as number[])),
  'gcp-workflows': (text) => Math.max(...(valuesOf(parse(text), 'max_delay').filter((v) => typeof v === 'number') as number[])),
  airflow: (text) => Math.max(...[...text.matchAll(/(?:retry_delay|max_retry_delay)=timedelta\(seconds=(\d+)\)/g)].map((m) => Number(m[1]))),
  'github-actions': (text) => Math.max(...(/waiting ((?:\d+s ?)+) between them/.exec(text)?.[1] ?? '').trim().split(' ').map((w) => Number(w.slice(0, -1)))),
};

const expected = (id: string, seconds: number): number | string => (id === 'argo' ? goDuration(seconds) : seconds);

describe('retry waits are capped at the engine\'s longest (limits table retryDelay)', () => {
  for (const target of TARGETS.filter((t) => t.limits !== null)) {
    const max = target.limits?.retryDelay.value as number;
    const compile = (retry: IRRetry) => {
      const diagnostics = new DiagnosticBag();
      const artifacts = target.compile(makeIR([step('a', { retry })]), { diagnostics });
      expect(diagnostics.errors()).toEqual([]);
      return artifacts.find((a) => a.primary)?.contents as string;
    };

    it(`${target.id}: a backoff without maxDelay stops growing at ${max} seconds`, () => {
      // 10 s doubling over 90 retries asks for 10 * 2^89 = 6.2e27 seconds at the last one.
      const text = compile({ limit: 90, delaySeconds: 10, backoff: 2, maxDelaySeconds: null });
      expect(LONGEST_WAIT[target.id], `add ${target.id} to LONGEST_WAIT`).toBeDefined();
      expect(LONGEST_WAIT[target.id]?.(text)).toEqual(expected(target.id, max));
      expect(text).not.toMatch(/\de\+\d/);
    });

    it(`${target.id}: a delay or maxDelay longer than the engine allows is lowered to it`, () => {
      expect(LONGEST_WAIT[target.id]?.(compile({ limit: 2, delaySeconds: max * 10, backoff: 1, maxDelaySeconds: null }))).toEqual(expected(target.id, max));
      expect(LONGEST_WAIT[target.id]?.(compile({ limit: 90, delaySeconds: 10, backoff: 2, maxDelaySeconds: max * 10 }))).toEqual(expected(target.id, max));
    });
  }
});
