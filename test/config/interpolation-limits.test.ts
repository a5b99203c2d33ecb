import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { INTERPOLATION_LIMITS } from '../../src/config/limits.js';
import { compileToIR } from '../../src/pipeline/compile.js';
import { runApp, tmpTree, where } from './helpers.js';

/** Resolves one YAML config file `c.yaml`. */
function resolveYaml(text: string, env: Record<string, string | undefined> = {}) {
  return runApp({ 'c.yaml': text }, { files: ['c.yaml'] }, { env });
}

/** `c0: "${c1}"`, ..., a chain of `n` references ending in a plain value. */
function chain(n: number): string {
  const lines = Array.from({ length: n }, (_, i) => `c${i}: "\${c${i + 1}}"`);
  return `${lines.join('\n')}\nc${n}: end\n`;
}

describe('interpolation budget per config (FLOWC420)', () => {
  it('stops a string that doubles at every level, at the level that crosses the byte budget', () => {
    // l0 is 64 * 2^40 bytes if nothing stops it. Resolving from l39 up, the text made so far is
    // 64 * (2^(k+1) - 2) bytes after k levels: l24 ends just under 8 MiB, l23 would cross it.
    const levels = Array.from({ length: 40 }, (_, i) => `l${i}: "\${l${i + 1}}\${l${i + 1}}"`);
    const r = resolveYaml(`${levels.join('\n')}\nl40: "${'x'.repeat(64)}"\n`);
    expect(r.resolved).toBeUndefined();
    expect(where(r)).toEqual(['FLOWC420 c.yaml:24:6']);
    expect(r.diagnostics[0]?.message).toContain(`more than ${INTERPOLATION_LIMITS.configBytes} bytes`);
    expect(r.diagnostics[0]?.message).toContain('app.l23');
  });

  it('accepts text up to the budget and refuses the first byte beyond it', () => {
    // b makes 1 MiB and c 7 MiB: exactly the 8 MiB budget. One more byte is refused.
    expect(INTERPOLATION_LIMITS.configBytes).toBe(8 * 1024 * 1024);
    const text = `a: "${'x'.repeat(1024)}"\nb: "${'${a}'.repeat(1024)}"\nc: "${'${b}'.repeat(7)}"\n`;
    const fits = resolveYaml(text);
    expect(fits.diagnostics).toEqual([]);
    expect((fits.resolved?.values.app as { c: string }).c.length).toBe(7 * 1024 * 1024);
    const over = resolveYaml(`${text}one: y\nd: "\${one}"\n`);
    expect(where(over)).toEqual(['FLOWC420 c.yaml:5:4']);
  });

  it('counts values copied by whole-value references', () => {
    // Each level is a list of ten copies of the level below: 10^7 values if nothing stopped it.
    const levels = Array.from({ length: 7 }, (_, i) => `l${i}: [${Array.from({ length: 10 }, () => `"\${l${i + 1}}"`).join(', ')}]`);
    const r = resolveYaml(`${levels.join('\n')}\nl7: [a, b, c, d, e, f, g, h, i, j]\n`);
    expect(r.diagnostics.map((d) => d.code)).toEqual(['FLOWC420']);
    expect(r.diagnostics[0]?.message).toContain(`more than ${INTERPOLATION_LIMITS.configNodes} values`);
  });
});

describe('interpolation depth (FLOWC421)', () => {
  it(`resolves a chain of ${INTERPOLATION_LIMITS.referenceDepth} references and refuses one more`, () => {
    const ok = resolveYaml(chain(INTERPOLATION_LIMITS.referenceDepth));
    expect(ok.diagnostics).toEqual([]);
    expect((ok.resolved?.values.app as { c0: string }).c0).toBe('end');
    const deep = resolveYaml(chain(INTERPOLATION_LIMITS.referenceDepth + 1));
    expect(where(deep)).toEqual([`FLOWC421 c.yaml:${INTERPOLATION_LIMITS.referenceDepth + 1}:${`c${INTERPOLATION_LIMITS.referenceDepth}: `.length + 1}`]);
  });

  it('refuses a chain far longer than the stack, with one diagnostic', () => {
    const r = resolveYaml(chain(20_000));
    expect(r.diagnostics.map((d) => d.code)).toEqual(['FLOWC421']);
  });

  it('refuses whole-value copies that nest the config too deep', () => {
    const lines = ['d0: {leaf: x}', ...Array.from({ length: 299 }, (_, i) => `d${i + 1}: {inner: "\${d${i}}"}`)];
    const r = resolveYaml(`${lines.join('\n')}\n`);
    expect(r.diagnostics.map((d) => d.code)).toEqual(['FLOWC421']);
    expect(r.diagnostics[0]?.message).toContain(`deeper than ${INTERPOLATION_LIMITS.configDepth} levels`);
  });
});

describe('NUL from the environment (FLOWC423)', () => {
  it('refuses ${env:NAME} whose value holds NUL, at the reference', () => {
    const r = resolveYaml('ok: "${env:GOOD}"\nbad: "x-${env:BAD}"\n', { GOOD: 'fine', BAD: 'a\u0000b' });
    expect(where(r)).toEqual(['FLOWC423 c.yaml:2:6']);
    expect(r.diagnostics[0]?.message).toContain('BAD');
  });
});

describe('interpolation budget per flow (FLOWC510)', () => {
  it('stops config text copied into many steps once the flow budget is spent', () => {
    // 1 MiB of config text (well within the config budget), read by 40 steps.
    const root = tmpTree({ 'c.yaml': `a: "${'x'.repeat(1024)}"\nb: "${'${a}'.repeat(1024)}"\n` });
    const steps = Array.from({ length: 40 }, (_, i) => `  s${i}:\n    image: busybox\n    run: echo "\${app.b}"\n`).join('');
    writeFileSync(join(root, 'flow.yaml'), `flowc: 1\nname: copies\nconfigs:\n  app:\n    files: [c.yaml]\nsteps:\n${steps}`);
    const r = compileToIR({ flowPath: join(root, 'flow.yaml') });
    expect(r.ir).toBeUndefined();
    const line = 6 + 32 * 3 + 3; // the run: line of s32, the first step past 32 MiB
    expect(r.diagnostics.map((d) => `${d.code} ${d.span?.line}:${d.span?.col}`)).toEqual([`FLOWC510 ${line}:16`]);
  });
});
