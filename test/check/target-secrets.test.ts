import { describe, expect, it } from 'vitest';
import { checkTargetSecrets } from '../../src/check/target-secrets.js';
import { DiagnosticBag, type Diagnostic } from '../../src/diagnostics/diagnostic.js';
import { secretLocator } from '../../src/ir/secrets.js';
import { stepEnv } from '../../src/ir/env.js';
import type { Target } from '../../src/targets/target.js';
import { makeIR, ORIGIN, step } from '../helpers/ir-builders.js';

const at = (d: Diagnostic) => `${d.code} ${d.span?.file}:${d.span?.line}:${d.span?.col}`;

const fake = (over: Partial<Target> = {}): Target => ({
  id: 'fake',
  aliases: [],
  description: 'a test target',
  engine: 'Fake Engine',
  files: [],
  optionsSchema: null,
  limits: null,
  compile: () => [],
  ...over,
});

const ir = makeIR([step('train', { secretEnv: [{ name: 'HF_TOKEN', secret: 'hf', origin: { file: 'flow.yaml', line: 20, col: 7 } }] }), step('other')], {
  secrets: [
    { name: 'hf', locators: { fake: 'ok-locator', other: 'x' }, origin: { file: 'flow.yaml', line: 4, col: 3 } },
    { name: 'unused', locators: {}, origin: ORIGIN },
  ],
});

function check(target: Target) {
  const diagnostics = new DiagnosticBag();
  checkTargetSecrets({ ir, target, diagnostics });
  return diagnostics.items;
}

describe('checkTargetSecrets', () => {
  it('FLOWC607: a target without secret support, at the first use', () => {
    const d = check(fake());
    expect(d.map(at)).toEqual(['FLOWC607 flow.yaml:20:7']);
    expect(d[0]?.message).toBe('target fake cannot render secrets yet, and this flow\'s steps use secret hf (first in steps.train.env.HF_TOKEN)');
  });

  it('FLOWC608: no locator for the target, naming the secret, the target and the locator shape', () => {
    const d = check(fake({ id: 'nolocator', secrets: { locator: '{ name, key }' } }));
    expect(d.map(at)).toEqual(['FLOWC608 flow.yaml:4:3']);
    expect(d[0]?.message).toBe("secret 'hf' has no locator for target nolocator");
    expect(d[0]?.notes).toEqual(['add secrets.hf.nolocator: { name, key }']);
  });

  it('FLOWC608: a locator the target rejects', () => {
    const d = check(fake({ secrets: { locator: 'an ARN', checkLocator: (l) => (typeof l === 'string' && l.startsWith('arn:') ? undefined : 'expected an ARN') } }));
    expect(d.map(at)).toEqual(['FLOWC608 flow.yaml:4:3']);
    expect(d[0]?.message).toBe('secrets.hf.fake: expected an ARN');
  });

  it('passes a target that renders secrets and has a usable locator; a target needing none; a flow using none', () => {
    expect(check(fake({ secrets: { locator: 'a string' } }))).toEqual([]);
    expect(check(fake({ secrets: { locator: null } }))).toEqual([]);
    const diagnostics = new DiagnosticBag();
    checkTargetSecrets({ ir: makeIR([step('a')], { secrets: ir.secrets }), target: fake(), diagnostics });
    expect(diagnostics.items).toEqual([]);
  });

  it('secret references never reach the text env targets render', () => {
    const env = stepEnv(ir, ir.steps[0]!);
    expect(env.map((e) => e.name)).not.toContain('HF_TOKEN');
    expect(secretLocator(ir, 'hf', 'fake')).toBe('ok-locator');
    expect(secretLocator(ir, 'hf', 'missing')).toBeUndefined();
  });
});
