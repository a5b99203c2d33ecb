import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import type { IR, IRParameter, IRString } from '../../../src/ir/types.js';
import { evaluateScalar, type EvalContext } from './github-eval.js';
import { compileGha, irWith, lintFindings, parseWorkflow, step } from './helpers.js';

/**
 * Hostile literal text and parameter values stay inert: the rendered job scripts are run for real
 * with `sh`, with the environment GitHub would set (expressions evaluated as GitHub does), in an
 * empty temp folder. A program that prints its argv and env shows what reached it; any `x` file
 * would mean something was executed.
 */
const tmp = mkdtempSync(join(tmpdir(), 'flowc-gha-'));
const work = join(tmp, 'work');
const DUMP = join(tmp, 'dump.cjs');
writeFileSync(
  DUMP,
  "process.stdout.write(JSON.stringify({ argv: process.argv.slice(2), env: Object.fromEntries(Object.entries(process.env).filter(([k]) => k === 'NOTE' || k === 'MIXED' || k === 'ITEM_COPY' || k.startsWith('FLOWC_'))) }));\n",
);
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const HOSTILE = [
  '${{ secrets.GITHUB_TOKEN }}',
  '${{',
  '}}',
  "${{ '}}' }}",
  '$(touch x)',
  '`touch x`',
  '; touch x',
  '|| touch x',
  "it's",
  "'",
  '"double"',
  'a\nb',
  '\\',
  '$HOME ${HOME} $$',
  '*',
  '',
  ' lead',
  'trail ',
  '{{workflow.name}}',
  'ünïcødé ✓',
  '\ttab',
  '#not a comment',
  '~',
  'a=b',
  '-n',
];
const PARAM_VALUE = "$(touch x) `touch x` '; touch x; echo ' \"${{ secrets.GITHUB_TOKEN }}\" ${HOME} }}\nsecond line";
const DEFAULT = "it's }} ${{ secrets.GITHUB_TOKEN }} $(touch x)";

const lit = (value: string): IRString => (value === '' ? [] : [{ kind: 'lit', value }]);
const origin = { file: 'flow.yaml', line: 3, col: 3 };
const params: IRParameter[] = [
  { name: 'msg', type: 'string', required: false, default: DEFAULT, origin },
  { name: 'flag', type: 'boolean', required: false, default: true, origin },
  { name: 'n', type: 'number', required: false, default: 1.5, origin },
  { name: 'empty', type: 'string', required: false, default: '', origin },
];

function hostileIR(scheduled: boolean): IR {
  const msg: IRString = [{ kind: 'param', name: 'msg' }];
  return irWith(
    [
      step('argv', {
        exec: {
          kind: 'command',
          argv: [
            lit('node'),
            lit(DUMP),
            ...HOSTILE.map(lit),
            msg,
            [{ kind: 'lit', value: "pre-'${{" }, { kind: 'param', name: 'msg' }, { kind: 'lit', value: '}}-post' }],
            [{ kind: 'param', name: 'flag' }],
            [{ kind: 'param', name: 'n' }],
            [{ kind: 'param', name: 'empty' }],
            [{ kind: 'run', field: 'id' }],
            [{ kind: 'flow', field: 'name' }],
            [{ kind: 'step', field: 'name' }],
          ],
        },
        env: [
          { name: 'MIXED', value: [{ kind: 'lit', value: 'a${{ b' }, { kind: 'param', name: 'msg' }, { kind: 'lit', value: "}}c'" }] },
          { name: 'NOTE', value: lit(HOSTILE.join('|')) },
        ],
      }),
      step('script', {
        needs: ['argv'],
        exec: {
          kind: 'run',
          script: [
            { kind: 'lit', value: "printf '%s|' '${{ secrets.GITHUB_TOKEN }}' \"$FLOWC_STEP\" '{{x}}' 'it'\\''s' \"" },
            { kind: 'param', name: 'msg' },
            { kind: 'lit', value: '"\necho \'${{ github.token }}\' "$(echo ok)"\n' },
          ],
        },
      }),
      step('retried', {
        needs: ['argv'],
        retry: { limit: 2, delaySeconds: 0, backoff: 2, maxDelaySeconds: null },
        exec: {
          kind: 'run',
          script: [
            { kind: 'lit', value: "printf '%s|' '${{ secrets.X }}' 'it'\\''s' \"" },
            { kind: 'param', name: 'msg' },
            { kind: 'lit', value: '"\n' },
          ],
        },
      }),
      step('each', {
        needs: ['argv'],
        foreach: { items: ['$(touch x)', '${{ secrets.X }}', "it's", { k: "v'}}" }, 7], from: null, parallelism: 2 },
        env: [{ name: 'ITEM_COPY', value: [{ kind: 'item', path: [] }] }],
        exec: { kind: 'command', argv: [lit('node'), lit(DUMP), [{ kind: 'item', path: [] }], [{ kind: 'item', path: ['k'] }]] },
      }),
    ],
    { parameters: params, schedule: scheduled ? { cron: '0 3 * * *', timezone: null, origin } : null },
    { app: { note: HOSTILE.join(' ') } },
  );
}

/** Runs one job (one matrix entry) as GitHub would: env and script evaluated, `sh {0}` on a file. */
function runJob(text: string, jobId: string, base: Omit<EvalContext, 'matrix'>, matrixIndex = 0): { stdout: string; stderr: string; status: number | null } {
  const wf = parseWorkflow(text);
  const job = wf.jobs[jobId];
  const entry: Record<string, unknown> = job.strategy?.matrix?.include?.[matrixIndex] ?? {};
  const matrix = Object.fromEntries(Object.entries(entry).map(([k, v]) => [k, typeof v === 'string' ? evaluateScalar(v, { ...base, matrix: {} }) : v]));
  const ctx: EvalContext = { ...base, matrix };
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries({ ...(wf.env ?? {}), ...(job.env ?? {}) })) env[k] = evaluateScalar(String(v), ctx);
  expect(wf.defaults.run.shell).toBe('sh {0}');
  const file = join(tmp, `${jobId}.sh`);
  writeFileSync(file, evaluateScalar(job.steps[0].run, ctx));
  const r = spawnSync('sh', [file], { cwd: work, env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...env }, encoding: 'utf8' });
  return { stdout: r.stdout, stderr: r.stderr, status: r.status };
}

const github = { run_id: '4242', run_attempt: '2' };

describe('hostile literals and parameter values stay inert', () => {
  for (const scheduled of [false, true]) {
    describe(scheduled ? 'scheduled flow' : 'unscheduled flow', () => {
      const ir = hostileIR(scheduled);
      const { text, diagnostics } = compileGha(ir);

      test('compiles and is clean under actionlint', async () => {
        expect(diagnostics.items).toEqual([]);
        expect(await lintFindings(text as string)).toEqual([]);
      });

      test('exec-form argv and env reach the program exactly', () => {
        rmSync(work, { recursive: true, force: true });
        writeFileSync(join(tmp, '.keep'), '');
        spawnSync('mkdir', ['-p', work]);
        const inputs = { msg: PARAM_VALUE, flag: false, n: 0, empty: '' };
        const r = runJob(text as string, 'argv', { inputs, github });
        expect(r.stderr).toBe('');
        const out = JSON.parse(r.stdout);
        expect(out.argv).toEqual([
          ...HOSTILE,
          PARAM_VALUE,
          `pre-'\${{${PARAM_VALUE}}}-post`,
          'false',
          '0',
          '',
          '4242',
          'demo',
          'argv',
        ]);
        expect(out.env.NOTE).toBe(HOSTILE.join('|'));
        expect(out.env.MIXED).toBe(`a\${{ b${PARAM_VALUE}}}c'`);
        expect(out.env.FLOWC_PARAM_MSG).toBe(PARAM_VALUE);
        expect(out.env.FLOWC_CONFIG).toBe(JSON.stringify({ app: { note: HOSTILE.join(' ') } }));
        expect(out.env.FLOWC_RUN_ID).toBe('4242');
        expect(out.env.FLOWC_STEP).toBe('argv');
        expect(readdirSync(work)).toEqual([]);
      });

      test('a run script runs as written, with parameters read from env', () => {
        spawnSync('mkdir', ['-p', work]);
        const inputs = { msg: PARAM_VALUE, flag: true, n: 2, empty: 'e' };
        for (const id of ['script', 'retried']) {
          const r = runJob(text as string, id, { inputs, github });
          expect(r.status).toBe(0);
          expect(r.stderr).toBe('');
          if (id === 'script') expect(r.stdout).toBe(`\${{ secrets.GITHUB_TOKEN }}|script|{{x}}|it's|${PARAM_VALUE}|\${{ github.token }} ok\n`);
          else expect(r.stdout).toBe(`\${{ secrets.X }}|it's|${PARAM_VALUE}|`);
        }
        expect(existsSync(join(work, 'x'))).toBe(false);
        expect(readdirSync(work)).toEqual([]);
      });

      test('foreach items reach the program exactly', () => {
        spawnSync('mkdir', ['-p', work]);
        const expected = [
          ['$(touch x)', ''],
          ['${{ secrets.X }}', ''],
          ["it's", ''],
          ['{"k":"v\'}}"}', "v'}}"],
          ['7', ''],
        ];
        expected.forEach(([item, k], i) => {
          const r = runJob(text as string, 'each', { inputs: {}, github }, i);
          const out = JSON.parse(r.stdout);
          expect(out.argv).toEqual([item, k]);
          expect(out.env.ITEM_COPY).toBe(item);
          expect(out.env.FLOWC_ITEM).toBe(item);
        });
        expect(readdirSync(work)).toEqual([]);
      });
    });
  }

  test('a scheduled run (no inputs) gets every default, including false, 0 and empty ones', () => {
    const { text } = compileGha(hostileIR(true));
    spawnSync('mkdir', ['-p', work]);
    const out = JSON.parse(runJob(text as string, 'argv', { inputs: null, github }).stdout);
    expect(out.env.FLOWC_PARAM_MSG).toBe(DEFAULT);
    expect(out.env.FLOWC_PARAM_FLAG).toBe('true');
    expect(out.env.FLOWC_PARAM_N).toBe('1.5');
    expect(out.env.FLOWC_PARAM_EMPTY).toBe('');
    // Given values always win, even falsy ones.
    const given = JSON.parse(runJob(text as string, 'argv', { inputs: { msg: '', flag: false, n: 0, empty: 'x' }, github }).stdout);
    expect(given.env.FLOWC_PARAM_MSG).toBe('');
    expect(given.env.FLOWC_PARAM_FLAG).toBe('false');
    expect(given.env.FLOWC_PARAM_N).toBe('0');
    expect(given.env.FLOWC_PARAM_EMPTY).toBe('x');
    expect(readdirSync(work)).toEqual([]);
  });
});
