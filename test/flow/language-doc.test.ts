import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import { checkCron } from '../../src/flow/cron.js';
import { brief, shape } from './helpers.js';

const doc = readFileSync(new URL('../../docs/language.md', import.meta.url), 'utf8');
const yamlBlocks = [...doc.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1] as string);

describe('docs/language.md', () => {
  const flows = yamlBlocks.filter((b) => b.startsWith('flowc: 1'));

  test('has complete example flows', () => {
    expect(flows.length).toBeGreaterThanOrEqual(2);
  });

  test.each(flows.map((f) => [f.split('\n')[1], f]))('the example flow %s passes the shape check', (_name, text) => {
    expect(shape(text).diagnostics.map(brief)).toEqual([]);
  });

  test('every schedule line it shows is valid', () => {
    const crons = [...doc.matchAll(/^schedule: "([^"$]+)"/gm)].map((m) => m[1] as string);
    expect(crons.length).toBeGreaterThan(0);
    for (const c of crons) expect(checkCron(c).ok, c).toBe(true);
  });

  test('the editor comment in the test example points at the schema', () => {
    const example = fileURLToPath(new URL('./data/spec-example.flow.yaml', import.meta.url));
    const first = readFileSync(example, 'utf8').split('\n')[0] as string;
    const rel = /\$schema=(\S+)/.exec(first)?.[1];
    expect(rel).toBeDefined();
    expect(existsSync(fileURLToPath(new URL(rel as string, new URL('./data/', import.meta.url))))).toBe(true);
  });
});
