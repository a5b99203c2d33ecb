import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseOverride } from '../../src/config/override-parse.js';
import { OVERRIDE_VALUE_LIMITS } from '../../src/config/override-value.js';
import { runCli } from '../cli/run-cli.js';
import { runApp, tmpTree } from './helpers.js';

/** The failure of one `--set` argument: code, message, notes. */
function refusal(arg: string) {
  const r = parseOverride(arg, 0);
  if (r.ok) throw new Error(`accepted ${JSON.stringify(arg)}: ${JSON.stringify(r.override.value)}`);
  return { code: r.code ?? 'FLOWC405', error: r.error, notes: r.notes ?? [] };
}

describe('--set values that are not plain data', () => {
  it('refuses {{x}} (a map keyed by a map) and shows the quoted form (FLOWC422)', () => {
    expect(refusal('app.x={{x}}')).toEqual({
      code: 'FLOWC422',
      error: 'the value reads as a YAML map whose key is not text (a map, a list or null)',
      notes: ['to pass the text as written, quote the value: app.x="{{x}}"', `in a shell: --set 'app.x="{{x}}"'`],
    });
    expect(parseOverride('app.x="{{x}}"', 0)).toMatchObject({ ok: true, override: { value: '{{x}}' } });
    expect(refusal('app.x={[a]: 1}').code).toBe('FLOWC422');
    expect(refusal('app.x={? null : 1}').code).toBe('FLOWC422');
  });

  it.each(['!!js/function "function () {}"', '!!js/undefined', '!foo bar', '!!binary aGVsbG8=', '!!timestamp 2001-12-14', '[1, !foo x]', '{k: !!set {a}}'])(
    'refuses the custom tag in %j (FLOWC422)',
    (value) => {
      const r = refusal(`app.x=${value}`);
      expect(r.code).toBe('FLOWC422');
      expect(r.error).toMatch(/custom YAML tag .* is not supported/);
    },
  );

  it('accepts the core schema tags', () => {
    expect(parseOverride('app.x=!!str 8', 0)).toMatchObject({ ok: true, override: { value: '8' } });
    expect(parseOverride('app.x=!!int "8"', 0)).toMatchObject({ ok: true, override: { value: 8 } });
  });

  it.each(['&a [1]', '[&a 1, *a]', '*a'])('refuses anchors and aliases in %j (FLOWC422)', (value) => {
    expect(refusal(`app.x=${value}`).code).toBe('FLOWC422');
  });

  it('bounds nesting and size before YAML reads the value (FLOWC422)', () => {
    const deep = '['.repeat(OVERRIDE_VALUE_LIMITS.depth + 1) + ']'.repeat(OVERRIDE_VALUE_LIMITS.depth + 1);
    expect(refusal(`app.x=${deep}`).code).toBe('FLOWC422');
    const ok = '['.repeat(OVERRIDE_VALUE_LIMITS.depth) + ']'.repeat(OVERRIDE_VALUE_LIMITS.depth);
    expect(parseOverride(`app.x=${ok}`, 0).ok).toBe(true);
    // 100,000 levels ran the YAML reader out of memory before the bound.
    expect(refusal(`app.x=${'['.repeat(100_000)}`).code).toBe('FLOWC422');
    expect(refusal(`app.x=${'x'.repeat(OVERRIDE_VALUE_LIMITS.bytes + 1)}`).code).toBe('FLOWC422');
    expect(parseOverride(`app.x=${'x'.repeat(OVERRIDE_VALUE_LIMITS.bytes)}`, 0).ok).toBe(true);
  });
});

describe('--set numbers JSON cannot carry exactly (FLOWC419)', () => {
  it.each(['.inf', '-.inf', '.Inf', '.nan', '.NaN', '1e400', '-1e400', '9007199254740993', '-9007199254740993', '123456789012345678901234567890', '[1, .inf]', '{a: .nan}'])(
    'refuses %j',
    (value) => {
      expect(refusal(`app.x=${value}`).code).toBe('FLOWC419');
    },
  );

  it('keeps integers up to 2^53 - 1 exact', () => {
    expect(parseOverride('app.x=9007199254740991', 0)).toMatchObject({ ok: true, override: { value: 9007199254740991 } });
    expect(parseOverride('app.x=-9007199254740991', 0)).toMatchObject({ ok: true, override: { value: -9007199254740991 } });
    expect(parseOverride('app.x=0x1F', 0)).toMatchObject({ ok: true, override: { value: 31 } });
    expect(parseOverride('app.x=1e300', 0)).toMatchObject({ ok: true, override: { value: 1e300 } });
  });
});

describe('NUL in --set (FLOWC423)', () => {
  it.each(['app.x="a\\0b"', 'app.x="\\x00"', 'app.x=[ok, "\\0"]', 'app.x={"k\\0": 1}', 'app.x=a\u0000b', 'app."k\\u0000".y=1'])('refuses %j', (arg) => {
    expect(refusal(arg).code).toBe('FLOWC423');
  });

  it('reports it through the cascade without printing the raw character', () => {
    const r = runApp({ 'c.yaml': 'x: 1\n' }, { files: ['c.yaml'] }, { sets: ['app.x=a\u0000b'] });
    expect(r.diagnostics.map((d) => d.code)).toEqual(['FLOWC423']);
    expect(r.diagnostics[0]?.message).toBe('--set "app.x=a\\u0000b": the value holds a NUL character, which no process argument or environment value can carry');
    expect(r.diagnostics.flatMap((d) => [d.message, ...(d.notes ?? [])]).filter((t) => t.includes('\0'))).toEqual([]);
  });
});

describe('--set through the CLI', () => {
  const flow = 'flowc: 1\nname: sets\nconfigs:\n  app:\n    default: { x: 1 }\nsteps:\n  s:\n    image: busybox\n    run: echo "${app.x}"\n';

  it.each(['app.x={{x}}', 'app.x=!!js/function "f"', 'app.x=.inf', 'app.x=1e400', 'app.x=9007199254740993', 'app.x="\\0"', 'app.x={a: {b: 1}, {c}: 2}'])(
    'refuses %j with exit 1, one coded line, no Node warning or stack trace',
    async (arg) => {
      const cwd = tmpTree({});
      writeFileSync(join(cwd, 'flow.yaml'), flow);
      const warnings: string[] = [];
      const onWarning = (w: Error) => warnings.push(w.message);
      process.on('warning', onWarning);
      try {
        const r = await runCli(['config', 'flow.yaml', '--set', arg], { cwd });
        expect(r.code).toBe(1);
        expect(r.stdout).toBe('');
        expect(r.stderr).toMatch(/^flowc: error FLOWC4(19|22|23): --set /);
        expect(r.stderr).not.toMatch(/Warning|\n\s+at /);
      } finally {
        process.off('warning', onWarning);
      }
      expect(warnings).toEqual([]);
    },
  );
});
