import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import type { Diagnostic } from '../../src/diagnostics/diagnostic.js';
import { diagnosticsToJson, formatDiagnostics } from '../../src/diagnostics/print.js';
import { SourceRegistry } from '../../src/source/files.js';
import { runCli } from '../cli/run-cli.js';
import { FIXTURES } from '../helpers/fixtures.js';

/**
 * Diagnostics quote user keys, values and file names. Printed, none of them may forge a diagnostic
 * line, drive the terminal (ESC, C1 CSI) or reorder what is shown (bidi controls)
 * (docs/security.md, "Escaping of user text").
 */

/** Everything a terminal or a line-based reader could act on; only LF (between lines) and tab may appear raw. */
const RAW_UNSAFE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff]/;
const FORGED = 'flow.yaml:1:1: error FLOWC000: forged';
const HOSTILE = `k\u001b[2J\u001b]0;t\u0007\n${FORGED}\r${FORGED}\u2028${FORGED}\u0085\u009b31m\u202eevil\u2066`;
/**
 * A diagnostic's first line, `file:line:col: severity CODE: message` or `flowc: ...`; note lines
 * start with spaces and code frame lines with a gutter (`12 | `), and both may quote the key.
 */
const isHead = (l: string): boolean => !/^(?: |\d+ \| )/.test(l) && /^(?:.+:\d+:\d+|flowc): (?:error|warning) FLOWC\d{3}: /.test(l);

const tmp = mkdtempSync(join(tmpdir(), 'flowc-print-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('printing escapes user text', () => {
  const file = join(tmp, `bad\n${FORGED}\u001b[31m.flow.yaml`);
  // A source line holds no LF; every other hostile character can stand in it.
  const key = HOSTILE.replace('\n', '');
  const line = `steps: { "${key}": 1 }`;
  const sources = new SourceRegistry();
  sources.add(file, `${line}\n`);
  const col = line.indexOf('"') + 1;
  const d: Diagnostic = {
    code: 'FLOWC201',
    severity: 'error',
    message: `unknown key '${HOSTILE}'`,
    span: { file, line: 1, col, endLine: 1, endCol: col + key.length + 2 },
    notes: [`did you mean '${HOSTILE}'?`],
  };

  test('text: one head line per diagnostic, no raw controls, the key shown escaped', () => {
    for (const withFrame of [false, true]) {
      const text = formatDiagnostics([d, { ...d, message: 'second' }], { relativize: (p) => p.slice(tmp.length + 1), ...(withFrame ? { sources } : {}) });
      expect(RAW_UNSAFE.exec(text)?.[0]).toBeUndefined();
      const lines = text.split('\n');
      expect(lines.filter(isHead)).toHaveLength(2);
      expect(lines.some((l) => l.startsWith(FORGED))).toBe(false);
      expect(text).toContain(String.raw`k\u001b[2J\u001b]0;t\u0007\n${FORGED}\r${FORGED}\u2028${FORGED}\u0085\u009b31m\u202eevil\u2066`);
      expect(text).toContain(String.raw`bad\n${FORGED}\u001b[31m.flow.yaml:1:${col}: error FLOWC201`);
      // A note may span lines (FLOWC_DEBUG=1 stack traces): its further lines are indented.
      expect(text).toContain(`\n        ${FORGED}\\r${FORGED}`);
    }
  });

  test('code frame: the carets stay under the escaped span', () => {
    const text = formatDiagnostics([d], { relativize: (p) => p, sources });
    const frame = text.split('\n');
    const src = frame.find((l) => l.startsWith('1 | ')) as string;
    const carets = frame.find((l) => /^ {2}\| *\^+$/.test(l)) as string;
    const at = carets.indexOf('^');
    expect(src.slice(at, carets.length)).toBe(src.slice(src.indexOf('"'), src.lastIndexOf('"') + 1));
  });

  test('json: one object per diagnostic; values exact; raw text free of controls, separators and bidi', () => {
    const json = diagnosticsToJson([d, d], (p) => p);
    expect(RAW_UNSAFE.exec(json)?.[0]).toBeUndefined();
    const parsed = JSON.parse(json) as { diagnostics: { message: string; notes: string[] }[] };
    expect(parsed.diagnostics).toHaveLength(2);
    expect(parsed.diagnostics[0]?.message).toBe(d.message);
    expect(parsed.diagnostics[0]?.notes).toEqual(d.notes);
  });
});

describe('the CLI, end to end, with a hostile key and file name', () => {
  // A flow whose step id is the hostile text (written with YAML escapes): an invalid step id.
  const base = readFileSync(join(FIXTURES, 'hostile/escape/flow.yaml'), 'utf8');
  const escaped = JSON.stringify(HOSTILE).replace(/[\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  const flow = base.replace(/^ {2}refresh:$/m, `  ${escaped}:`).replace('needs: [refresh]', `needs: [${escaped}]`);
  const name = `bad\n${FORGED}\u001b[31m.flow.yaml`;
  writeFileSync(join(tmp, name), flow);

  test.each([false, true])('text (terminal: %s)', async (tty) => {
    // NO_COLOR: every ESC is then user text, which must show escaped; with colour see the next test.
    const r = await runCli(['validate', name], { cwd: tmp, tty, env: { NO_COLOR: '1' } });
    expect(r.code).toBe(1);
    expect(RAW_UNSAFE.exec(r.stderr)?.[0]).toBeUndefined();
    const json = await runCli(['validate', name, '--diagnostics', 'json'], { cwd: tmp });
    const count = (JSON.parse(json.stderr) as { diagnostics: unknown[] }).diagnostics.length;
    expect(count).toBeGreaterThan(0);
    expect(r.stderr.split('\n').filter(isHead)).toHaveLength(count);
    expect(r.stderr.split('\n').some((l) => l.startsWith(FORGED))).toBe(false);
  });

  test('text in colour: the only raw escapes are flowc\'s own colour codes', async () => {
    const plain = await runCli(['validate', name], { cwd: tmp, tty: true, env: { NO_COLOR: '1' } });
    const coloured = await runCli(['validate', name], { cwd: tmp, tty: true, env: { FORCE_COLOR: '1' } });
    expect(coloured.stderr).not.toBe(plain.stderr);
    // Removing SGR sequences gives exactly the escape-free plain text: every ESC was one of ours.
    expect(coloured.stderr.replace(/\u001b\[[0-9;]*m/g, '')).toBe(plain.stderr);
  });

  test('json', async () => {
    const r = await runCli(['validate', name, '--diagnostics', 'json'], { cwd: tmp });
    expect(r.code).toBe(1);
    expect(RAW_UNSAFE.exec(r.stderr)?.[0]).toBeUndefined();
    const parsed = JSON.parse(r.stderr) as { diagnostics: { file: string; message: string }[] };
    expect(parsed.diagnostics.some((x) => x.file === name && x.message.includes(HOSTILE))).toBe(true);
  });

  test('a usage error quoting an argument', async () => {
    const r = await runCli(['compile', name, '--target', `argo,${HOSTILE}`], { cwd: tmp });
    expect(r.code).toBe(2);
    expect(RAW_UNSAFE.exec(r.stderr)?.[0]).toBeUndefined();
    expect(r.stderr.split('\n').filter((l) => l !== '')).toHaveLength(1);
  });

  test('--check: a hostile file on disk is shown escaped in the diff', async () => {
    writeFileSync(join(tmp, 'plain.flow.yaml'), base);
    expect((await runCli(['compile', 'plain.flow.yaml', '--target', 'argo', '--out', 'out'], { cwd: tmp })).code).toBe(0);
    appendFileSync(join(tmp, 'out/hostile-escape.argo.yaml'), `# \u001b[2J\u001b]0;t\u0007 \u202eevil\r${FORGED}\n`);
    const r = await runCli(['compile', 'plain.flow.yaml', '--target', 'argo', '--out', 'out', '--check'], { cwd: tmp });
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(String.raw`-# \u001b[2J\u001b]0;t\u0007 \u202eevil\r${FORGED}`);
    expect(RAW_UNSAFE.exec(r.stdout)?.[0]).toBeUndefined();
  });
});
