import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DiagnosticBag } from '../../src/diagnostics/diagnostic.js';
import type { IR } from '../../src/ir/types.js';
import { findTarget } from '../../src/targets/index.js';
import { compileTemplate } from '../../src/templates/compile-template.js';
import { BUILTIN_TEMPLATE_DIR } from '../../src/templates/load.js';
import { runCli } from '../cli/run-cli.js';
import { FIXTURES } from '../helpers/fixtures.js';
import { lit, makeIR, ORIGIN, step } from '../helpers/ir-builders.js';
import { runPython } from './python.js';

/**
 * The built-in airflow template target (targets/airflow.py.hbs; docs/targets/airflow.md) on
 * hand-built IRs, for what the fixtures do not show: secrets, placement, the BashOperator, and
 * what Airflow cannot express (reported, never left out silently).
 */
const airflow = findTarget('airflow');

function compile(ir: IR) {
  if (!airflow) throw new Error('no airflow target');
  const diagnostics = new DiagnosticBag();
  const artifacts = airflow.compile(ir, { diagnostics });
  return { text: artifacts[0]?.contents ?? '', items: diagnostics.items.map((d) => ({ code: d.code, line: d.span?.line, message: d.message })), artifacts };
}

const COUNT_OPERATORS = String.raw`
import ast, json, sys
tree = ast.parse(open(sys.argv[1], encoding="utf-8").read())
calls = [n.func for n in ast.walk(tree) if isinstance(n, ast.Call)]
names = [f.id if isinstance(f, ast.Name) else (f.value.id + "." + f.attr if isinstance(f, ast.Attribute) and isinstance(f.value, ast.Name) else "") for f in calls]
print(json.dumps(sorted(n for n in names if n.endswith("Operator") or n.endswith("Operator.partial") or n in ("Secret", "k8s.V1Toleration"))))
`;

describe('the airflow target', () => {
  it('compiles eagerly without a problem (the registry compiles built-in templates on first use)', () => {
    for (const name of readdirSync(BUILTIN_TEMPLATE_DIR).filter((n) => n.endsWith('.hbs'))) {
      const diagnostics = new DiagnosticBag();
      const file = join(BUILTIN_TEMPLATE_DIR, name);
      expect(compileTemplate(file, readFileSync(file, 'utf8'), diagnostics), name).toBeDefined();
      expect(diagnostics.items, name).toEqual([]);
    }
  });

  it('is registered from targets/airflow.py.hbs with its options, per-step options and secrets', () => {
    expect(airflow?.files).toEqual(['<name>.airflow.py']);
    expect(airflow?.perStepOptions).toEqual(['nodeSelector', 'tolerations', 'serviceAccountName']);
    expect(airflow?.secrets?.checkLocator?.({ name: 'hf', key: 'token' })).toBeUndefined();
    expect(airflow?.secrets?.checkLocator?.('hf')).toMatch(/expected a map/);
  });

  it('renders secrets as Kubernetes secrets and placement per step as pod fields', () => {
    const ir = makeIR(
      [
        step('train', {
          secretEnv: [{ name: 'HF_TOKEN', secret: 'hf', origin: ORIGIN }],
          targets: { airflow: { tolerations: [{ key: 'gpu', operator: 'Exists', effect: 'NoSchedule', tolerationSeconds: 0 }], serviceAccountName: 'trainer' } },
          resources: { cpuMillis: 500, memoryMiB: 512, gpu: 2 },
        }),
        step('report', { needs: ['train'] }),
      ],
      {
        targets: { airflow: { namespace: 'ml', nodeSelector: { pool: 'batch' } } },
        secrets: [{ name: 'hf', locators: { airflow: { name: 'hf-secret', key: 'token' } }, origin: ORIGIN }],
      },
    );
    const { text, items } = compile(ir);
    expect(items).toEqual([]);
    expect(text).toContain('Secret("env", "HF_TOKEN", "hf-secret", "token")');
    expect(text).toContain('k8s.V1Toleration(key="gpu", operator="Exists", effect="NoSchedule", toleration_seconds=0)');
    expect(text.match(/namespace="ml"/g)).toHaveLength(2);
    expect(text.match(/node_selector=\{"pool": "batch"\}/g)).toHaveLength(2);
    expect(text.match(/service_account_name="trainer"/g)).toHaveLength(1);
    expect(text).toContain('"nvidia.com/gpu": "2"');
    expect(runPython(COUNT_OPERATORS, text)).toEqual(['KubernetesPodOperator', 'KubernetesPodOperator', 'Secret', 'k8s.V1Toleration']);
  });

  it('refuses a secret without an airflow locator (FLOWC608), as every target does', () => {
    const ir = makeIR([step('a', { secretEnv: [{ name: 'T', secret: 's', origin: ORIGIN }] })], { secrets: [{ name: 's', locators: {}, origin: ORIGIN }] });
    expect(compile(ir).items.map((d) => d.code)).toEqual(['FLOWC608']);
  });

  it('with operator: bash, writes BashOperators running sh -c, warns that images and resources are unused', () => {
    const ir = makeIR(
      [
        step('a', { exec: { kind: 'command', argv: [lit('echo'), [{ kind: 'lit', value: "it's " }, { kind: 'param', name: 'x' }]] } }),
        step('b', { needs: ['a'], exec: { kind: 'run', script: lit('deploy.sh') }, foreach: { items: ['u', 'v'], from: null, parallelism: null } }),
      ],
      { targets: { airflow: { operator: 'bash' } } },
    );
    const { text, items } = compile(ir);
    expect(items.map((d) => d.code)).toEqual(['FLOWC805']);
    // A parameter reaches the shell as a variable, never as text pasted into the command: run the
    // bash_command (as Python reads it; it holds no Jinja markup) with a hostile value.
    const commands = runPython(
      'import ast, json, sys\ntree = ast.parse(open(sys.argv[1], encoding="utf-8").read())\nprint(json.dumps([k.value.value for n in ast.walk(tree) if isinstance(n, ast.Call) for k in n.keywords if k.arg == "bash_command"]))',
      text,
    ) as string[];
    expect(commands[0]).not.toContain('{{');
    const out = execFileSync('sh', ['-c', commands[0] as string], { env: { FLOWC_PARAM_X: '$(echo pwned); `id`' }, encoding: 'utf8' });
    expect(out).toBe("it's $(echo pwned); `id`\n");
    expect(text).toContain('"FLOWC_PARAM_X": "{{ params[\\"x\\"] }}"');
    // Airflow would read a bash_command ending in .sh as a template file name.
    expect(text).toContain('bash_command="sh -c \'deploy.sh\'"');
    expect(text).toContain(').expand(\n        env=[');
    expect(runPython(COUNT_OPERATORS, text)).toEqual(['BashOperator', 'BashOperator.partial']);
  });

  it('with operator: bash, refuses secrets and GPUs, which a BashOperator cannot have (FLOWC804 at the step)', () => {
    const ir = makeIR(
      [
        step('a', { secretEnv: [{ name: 'T', secret: 's', origin: { file: 'flow.yaml', line: 4, col: 3 } }], origin: { file: 'flow.yaml', line: 4, col: 3 } }),
        step('b', { resources: { cpuMillis: 1000, memoryMiB: 1024, gpu: 1 }, origin: { file: 'flow.yaml', line: 8, col: 3 } }),
      ],
      { targets: { airflow: { operator: 'bash' } }, secrets: [{ name: 's', locators: { airflow: { name: 's', key: 'k' } }, origin: ORIGIN }] },
    );
    const { items, artifacts } = compile(ir);
    expect(artifacts).toEqual([]);
    expect(items.filter((d) => d.code === 'FLOWC804').map((d) => [d.line, d.message])).toEqual([
      [4, "airflow: step 'a' reads secrets, which a BashOperator cannot be given; use operator: kubernetes"],
      [8, "airflow: step 'b' asks for a GPU, which a BashOperator on the Airflow worker cannot ask for; use operator: kubernetes"],
    ]);
  });

  it('refuses what Airflow cannot express: an empty foreach, more items than max_map_length', () => {
    const at = (line: number) => ({ file: 'flow.yaml', line, col: 3 });
    const ir = makeIR([
      step('empty', { foreach: { items: [], from: null, parallelism: null }, origin: at(3) }),
      step('wide', { foreach: { items: Array.from({ length: 1025 }, (_, i) => i), from: null, parallelism: null }, origin: at(9) }),
    ]);
    const { items, artifacts } = compile(ir);
    expect(artifacts).toEqual([]);
    expect(items.map((d) => [d.code, d.line])).toEqual([
      ['FLOWC804', 3],
      ['FLOWC603', 9],
    ]);
    expect(items[1]?.message).toContain('1025 items, 1 over the limit of 1024 items on mapped task instances of one task');
  });

  it("warns that a backoff other than 2 is written as Airflow's doubling (FLOWC805 at the step)", () => {
    const ir = makeIR([step('triple', { retry: { limit: 2, delaySeconds: 5, backoff: 3, maxDelaySeconds: 60 }, origin: { file: 'flow.yaml', line: 6, col: 3 } })]);
    const { items, text } = compile(ir);
    expect(items.map((d) => [d.code, d.line, d.message])).toEqual([['FLOWC805', 6, "airflow: step 'triple' has retry backoff 3, written as Airflow's retry_exponential_backoff, which doubles the delay"]]);
    expect(text).toContain('        retry_delay=timedelta(seconds=5),\n        retry_exponential_backoff=True,\n        max_retry_delay=timedelta(seconds=60),\n');
    expect(compile(makeIR([step('a', { retry: { limit: 2, delaySeconds: 5, backoff: 1, maxDelaySeconds: null } })])).text).not.toContain('retry_exponential_backoff');
  });

  it('caps retry waits at [core] max_task_retry_delay (86400 s)', () => {
    const { text } = compile(makeIR([step('a', { retry: { limit: 3, delaySeconds: 200_000, backoff: 1, maxDelaySeconds: null } })]));
    expect(text).toContain('retry_delay=timedelta(seconds=86400)');
  });

  it('compiles through the CLI to <name>.airflow.py', async () => {
    const work = mkdtempSync(join(tmpdir(), 'flowc-af-'));
    try {
      const r = await runCli(['compile', join(FIXTURES, 'linear/flow.yaml'), '--target', 'airflow', '--out', 'out'], { cwd: work });
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      expect(readFileSync(join(work, 'out/nightly-report.airflow.py'), 'utf8')).toBe(readFileSync(join(FIXTURES, 'linear/expected/nightly-report.airflow.py'), 'utf8'));
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  });
});
