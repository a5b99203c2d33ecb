import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { stringify } from 'yaml';
import { DiagnosticBag } from '../../src/diagnostics/diagnostic.js';
import { fieldPath } from '../../src/flow/schema-check.js';
import { SourceText } from '../../src/source/files.js';
import type { LMapEntry, LNode } from '../../src/source/tree.js';
import { parseYamlTree } from '../../src/source/yaml.js';
import { brief, flow, shape } from './helpers.js';

const example = readFileSync(new URL('./data/spec-example.flow.yaml', import.meta.url), 'utf8');

/** Diagnostics as `CODE line:col message` plus notes, for exact assertions. */
function check(text: string): string[] {
  const r = shape(text);
  expect(r.ok).toBe(r.diagnostics.length === 0);
  return r.diagnostics.map((d) => brief(d) + (d.notes ? ` [${d.notes.join('; ')}]` : ''));
}

describe('checkFlowShape', () => {
  test('the full SPEC section 2 example passes', () => {
    expect(check(example)).toEqual([]);
  });

  test('a minimal flow passes; schedule may be null, a cron string or a map', () => {
    expect(check(flow(''))).toEqual([]);
    expect(check(flow('schedule: null'))).toEqual([]);
    expect(check(flow('schedule: "0 6 * * MON-FRI"'))).toEqual([]);
    expect(check(flow('schedule: { cron: "@daily", timezone: Europe/Amsterdam }'))).toEqual([]);
  });

  describe('FLOWC201 unknown field, at the key, with did-you-mean', () => {
    test('in a step', () => {
      expect(check(flow('', '    run: x\n    imgae: python:3.12'))).toEqual([
        "FLOWC201 6:5 steps.a: unknown field 'imgae' [did you mean 'image'?]",
      ]);
    });
    test('at the top, with nothing close: lists what is allowed', () => {
      expect(check(flow('owner: me'))).toEqual([
        "FLOWC201 3:1 unknown field 'owner' [allowed fields: flowc, name, description, configs, parameters, schedule, defaults, targets, secrets, steps]",
      ]);
    });
    test('a target alias as a key names the canonical id', () => {
      expect(check(flow('targets:\n  gha: {}'))).toEqual(["FLOWC201 4:3 targets: unknown field 'gha' [did you mean 'github-actions'?]"]);
      expect(check(flow('targets:\n  sfn: {}'))).toEqual(["FLOWC201 4:3 targets: unknown field 'sfn' [did you mean 'stepfunctions'?]"]);
    });
    test('a name that is no alias of a registered target is not offered as one', () => {
      // `gcp` was once suggested as an alias of gcp-workflows, which the CLI does not accept.
      expect(check(flow('targets:\n  gcp: {}'))[0]).not.toContain("did you mean 'gcp-workflows'");
    });
    test('a misspelt required key is one problem, not two', () => {
      expect(check('flowc: 1\nname: demo\nstpes:\n  a: { run: x }\n')).toEqual(["FLOWC201 3:1 unknown field 'stpes' [did you mean 'steps'?]"]);
      expect(check(flow('', '    run: x\n    retry: { limt: 3 }'))).toEqual(["FLOWC201 6:14 steps.a.retry: unknown field 'limt' [did you mean 'limit'?]"]);
    });
    test('in defaults, resources and the schedule map', () => {
      expect(check(flow('defaults:\n  resources: { cpus: 2 }\nschedule: { cron: "@daily", tz: UTC }'))).toEqual([
        "FLOWC201 4:16 defaults.resources: unknown field 'cpus' [did you mean 'cpu'?]",
        "FLOWC201 5:29 schedule: unknown field 'tz' [allowed fields: cron, timezone]",
      ]);
    });
  });

  describe('FLOWC202 wrong type, at the value, one per problem', () => {
    test('needs as a string', () => {
      expect(check(flow('', '    needs: start\n    run: x'))).toEqual([
        'FLOWC202 5:12 steps.a.needs: expected a list of step ids or a ${...} interpolation, got a string',
      ]);
    });
    test('retry as a word names every accepted form', () => {
      expect(check(flow('', '    run: x\n    retry: "x"'))).toEqual([
        'FLOWC202 6:12 steps.a.retry: expected a retry count, a retry map or a ${...} interpolation, got a string',
      ]);
    });
    test('an interpolation with text around it cannot stand for a list', () => {
      expect(check(flow('', '    run: x\n    foreach: "${app.regions} "'))).toEqual([
        "FLOWC202 6:14 steps.a.foreach: expected a list of items or a ${...} interpolation, got a string [only a string that is exactly one ${...} keeps the referenced value's type; this one has other text around it]",
      ]);
    });
    test('command as a string hints at run', () => {
      expect(check(flow('', '    command: python train.py'))).toEqual([
        'FLOWC202 5:14 steps.a.command: expected a list of arguments or a ${...} interpolation, got a string [use run: for a shell script, or write the command as a list]',
      ]);
    });
    test('plain typed fields, list items and env values', () => {
      expect(check(flow('description: 5', '    needs: [b, 1]\n    run: x\n    env: { A: null, B: [1] }'))).toEqual([
        'FLOWC202 3:14 description: expected a string, got a whole number',
        'FLOWC202 6:16 steps.a.needs[1]: expected a step id, got a whole number',
        'FLOWC202 8:15 steps.a.env.A: expected a string, number or boolean, got an empty value',
        'FLOWC202 8:24 steps.a.env.B: expected a string, number or boolean, got a list',
      ]);
    });
    test('a step that is not a map, a schedule of the wrong type', () => {
      expect(check('flowc: 1\nname: demo\nschedule: 5\nsteps:\n  a: echo hi\n')).toEqual([
        'FLOWC202 3:11 schedule: expected a cron string, a schedule map or null, got a whole number',
        'FLOWC202 5:6 steps.a: expected a step map, got a string',
      ]);
    });
    test('a file that is not a map, or empty', () => {
      expect(check('- a\n- b\n')).toEqual(['FLOWC202 1:1 a flow file must be a map of fields (flowc, name, steps, ...), got a list']);
      expect(check('')).toEqual(['FLOWC202 1:1 the flow file is empty']);
      expect(check('# only a comment\n')).toEqual(['FLOWC202 1:1 the flow file is empty']);
    });
  });

  describe('FLOWC203 missing required field, at the parent map\'s key', () => {
    test('top-level fields at the top of the file', () => {
      expect(check('name: demo\nsteps:\n  a: { run: x }\n')).toEqual([
        "FLOWC203 1:1 missing required field 'flowc' [add flowc: 1 (the flow format version)]",
      ]);
      expect(check('flowc: 1\n')).toEqual(["FLOWC203 1:1 missing required field 'name'", "FLOWC203 1:1 missing required field 'steps'"]);
    });
    test('in a nested map', () => {
      expect(check(flow('parameters:\n  alpha: { default: 1 }\nschedule:\n  timezone: UTC', '    run: x\n    retry: { delay: 5s }'))).toEqual([
        "FLOWC203 4:3 parameters.alpha: missing required field 'type'",
        "FLOWC203 5:1 schedule: missing required field 'cron'",
        "FLOWC203 10:5 steps.a.retry: missing required field 'limit'",
      ]);
    });
  });

  describe('FLOWC204 invalid value, saying what is allowed', () => {
    test('names and ids', () => {
      expect(
        check(`flowc: 1
name: Content Model
configs:
  params: {}
  App: {}
parameters:
  Alpha: { type: number }
steps:
  Train: { run: x }
`),
      ).toEqual([
        "FLOWC204 2:7 name: 'Content Model' is not valid: lowercase letters, digits and '-', starting with a letter, at most 52 characters [did you mean 'content-model'?]",
        'FLOWC204 4:3 configs: config name \'params\' is reserved: params, item, run, flow, step, steps, env and secrets are interpolation roots',
        "FLOWC204 5:3 configs: invalid config name 'App': lowercase letters, digits and '_', starting with a letter, at most 40 characters",
        "FLOWC204 7:3 parameters: invalid parameter name 'Alpha': lowercase letters, digits and '_', starting with a letter or '_', at most 40 characters",
        "FLOWC204 9:3 steps: invalid step id 'Train': lowercase letters, digits and '_', starting with a letter, at most 40 characters",
      ]);
    });
    test('enum with did-you-mean, and common type aliases', () => {
      expect(check(flow('parameters:\n  a: { type: strng }\n  b: { type: float }\n  c: { type: list }'))).toEqual([
        "FLOWC204 4:14 parameters.a.type: must be one of string, number, integer, boolean; got 'strng' [did you mean 'string'?]",
        "FLOWC204 5:14 parameters.b.type: must be one of string, number, integer, boolean; got 'float' [did you mean 'number'?]",
        "FLOWC204 6:14 parameters.c.type: must be one of string, number, integer, boolean; got 'list'",
      ]);
    });
    test('ranges and emptiness', () => {
      expect(check(flow('', '    command: []\n    parallelism: 0\n    retry: { limit: -1, backoff: 0.5 }\n    run: ""'))).toEqual([
        'FLOWC204 5:14 steps.a.command: must not be empty',
        'FLOWC204 6:18 steps.a.parallelism: must be at least 1, got 0',
        'FLOWC204 7:21 steps.a.retry.limit: must be at least 0, got -1',
        'FLOWC204 7:34 steps.a.retry.backoff: must be at least 1, got 0.5',
        'FLOWC204 8:10 steps.a.run: must not be empty',
      ]);
      expect(check('flowc: 1\nname: demo\nsteps: {}\n')).toEqual(['FLOWC204 3:1 steps: a flow needs at least one step']);
    });
  });

  describe('FLOWC205 format version', () => {
    test.each([
      ['flowc: 2', 'FLOWC205 1:8 unsupported flow format version 2; this flowc reads flowc: 1'],
      ['flowc: "1"', 'FLOWC205 1:8 flowc must be the format version 1, got a string'],
      ['flowc: 1.5', 'FLOWC205 1:8 unsupported flow format version 1.5; this flowc reads flowc: 1'],
    ])('%s', (line, expected) => {
      expect(check(`${line}\nname: demo\nsteps:\n  a: { run: x }\n`)).toEqual([expected]);
    });
  });

  describe('literal units, cron and timezones are judged by their parsers', () => {
    test('FLOWC305..FLOWC308 at the value', () => {
      expect(
        check(flow('defaults:\n  timeout: 1h1d', '    run: x\n    resources: { cpu: 0.0001, memory: "1024", gpu: -1 }\n    retry: { limit: 1, delay: -5, maxDelay: 10x }')),
      ).toEqual([
        "FLOWC305 4:12 defaults.timeout: invalid duration '1h1d': use whole seconds or units d, h, m, s in that order, e.g. 90s, 1h30m or 1d [did you mean '1d1h'?]",
        'FLOWC307 8:23 steps.a.resources.cpu: cpu 0.0001 is not a whole number of millicores (1 core = 1000m)',
        "FLOWC306 8:39 steps.a.resources.memory: memory '1024' needs a unit, e.g. '1024Mi'; an unquoted number means MiB",
        'FLOWC308 8:52 steps.a.resources.gpu: gpu must not be negative, got -1',
        'FLOWC305 9:31 steps.a.retry.delay: a duration must not be negative, got -5',
        "FLOWC305 9:45 steps.a.retry.maxDelay: invalid duration '10x': use whole seconds or units d, h, m, s in that order, e.g. 90s, 1h30m or 1d",
      ]);
    });
    test('a unit of the wrong type is a type error', () => {
      expect(check(flow('', '    run: x\n    timeout: [1]\n    resources: { gpu: "2" }'))).toEqual([
        'FLOWC202 6:14 steps.a.timeout: expected a whole number of seconds, a duration such as 1h30m or a string with ${...}, got a list',
        "FLOWC308 7:23 steps.a.resources.gpu: expected a whole number of GPUs, got '2'",
      ]);
    });
    test('strings holding ${...} are left for after resolution', () => {
      expect(check(flow('schedule: "0 ${app.hour} * * *"', '    run: x\n    timeout: "${app.hours}h"\n    resources: { memory: "${app.gb}Gi" }'))).toEqual([]);
    });
    test('FLOWC309 cron and FLOWC310 timezone', () => {
      expect(check(flow('schedule: "*/5 * * *"'))).toEqual([
        'FLOWC309 3:11 schedule: cron needs 5 fields (minute hour day-of-month month day-of-week), got 4',
      ]);
      expect(check(flow('schedule: { cron: "0 25 * * *", timezone: europe/amsterdam }'))).toEqual([
        "FLOWC309 3:19 schedule.cron: cron hour field '25': 25 is out of range (allowed: 0-23)",
        "FLOWC310 3:43 schedule.timezone: unknown timezone 'europe/amsterdam' (use an IANA name such as Europe/Amsterdam, or UTC) [did you mean 'Europe/Amsterdam'?]",
      ]);
    });
  });

  test('FLOWC316 environment variable names', () => {
    expect(check(flow('defaults:\n  env: { FLOWC_STEP: x, 1ST: y, ok_name: z }'))).toEqual([
      "FLOWC316 4:10 defaults.env: environment variable name 'FLOWC_STEP' is reserved: flowc sets FLOWC_* itself",
      "FLOWC316 4:25 defaults.env: invalid environment variable name '1ST': letters, digits and '_', not starting with a digit",
    ]);
  });

  test('spans carry end positions for code frames', () => {
    const [d] = shape(flow('', '    needs: start\n    run: x')).diagnostics;
    expect(d?.span).toMatchObject({ file: '/flows/demo.flow.yaml', line: 5, col: 12, endLine: 5, endCol: 17 });
  });

  test('field paths read as the user writes them', () => {
    expect(fieldPath('/steps/train/resources/cpu')).toBe('steps.train.resources.cpu');
    expect(fieldPath('/steps/a/command/2')).toBe('steps.a.command[2]');
    expect(fieldPath('/targets/github-actions/runsOn')).toBe('targets.github-actions.runsOn');
    expect(fieldPath('/steps/a/env/x.y')).toBe('steps.a.env["x.y"]');
    expect(fieldPath('/a~1b')).toBe('["a/b"]');
  });
});

describe('robustness', () => {
  test('random text never throws and gives only diagnostics', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), (text) => {
        const r = shape(text);
        expect(r.ok).toBe(r.diagnostics.length === 0);
        for (const d of r.diagnostics) expect(d.span?.line).toBeGreaterThan(0);
      }),
      { numRuns: 300 },
    );
  });

  test('random YAML documents never throw; every diagnostic has a code and a span', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 4 }), (doc) => {
        const r = shape(stringify(doc));
        expect(r.ok).toBe(r.diagnostics.length === 0);
        for (const d of r.diagnostics) {
          expect(d.code).toMatch(/^FLOWC\d{3}$/);
          expect(d.span?.line).toBeGreaterThan(0);
        }
      }),
      { numRuns: 300 },
    );
  });

  /** Every [path, value] leaf and inner node of a JSON value. */
  function paths(v: unknown, at: (string | number)[] = []): (string | number)[][] {
    const out = [at];
    if (Array.isArray(v)) v.forEach((x, i) => out.push(...paths(x, [...at, i])));
    else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) out.push(...paths(x, [...at, k]));
    return out;
  }

  /** The line where the value at `path` stands in YAML text (block style: same line as its key). */
  function lineOf(text: string, path: (string | number)[]): number {
    let node = parseYamlTree(new SourceText('/x.yaml', text), new DiagnosticBag()) as LNode;
    for (const k of path) {
      if (node.kind === 'map') node = (node.entries.find((e) => e.key === k) as LMapEntry).value;
      else if (node.kind === 'seq') node = node.items[k as number] as LNode;
    }
    return node.span.line;
  }

  test('one wrong scalar in the valid example gives at most one diagnostic, pointing at that value', async () => {
    const { parse } = await import('yaml');
    const base = parse(example) as Record<string, unknown>;
    const all = paths(base).filter((p) => p.length > 0);
    const scalar = fc.oneof(fc.string({ maxLength: 6 }), fc.integer({ min: -3, max: 3 }), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.boolean(), fc.constant(null), fc.constant([]), fc.constant({}));
    fc.assert(
      fc.property(fc.constantFrom(...all), scalar, (path, value) => {
        const doc = structuredClone(base);
        let parent = doc as Record<string | number, unknown>;
        for (const k of path.slice(0, -1)) parent = parent[k] as Record<string | number, unknown>;
        parent[path[path.length - 1] as string | number] = value;
        const text = stringify(doc);
        const r = shape(text);
        const why = `${path.join('.')} = ${JSON.stringify(value)}\n${r.diagnostics.map(brief).join('\n')}`;
        expect(r.diagnostics.length, why).toBeLessThanOrEqual(1);
        const [d] = r.diagnostics;
        // A value the parser refuses (an integer beyond 2^53, FLOWC419) leaves no tree to find its
        // line in; the same document with a plain string there has the same layout.
        parent[path[path.length - 1] as string | number] = 'x';
        if (d) expect(d.span?.line, why).toBe(lineOf(stringify(doc), path));
      }),
      { numRuns: 1000 },
    );
  });
});

describe('scale', () => {
  const big = (n: number, step: (i: number) => string) =>
    `flowc: 1\nname: big\nsteps:\n${Array.from({ length: n }, (_, i) => `  s${i}:\n${step(i)}`).join('\n')}\n`;

  // Speed is measured in `npm run bench`, never asserted here (a loaded CI machine is no clock).
  test('a flow of 2,000 steps is checked without diagnostics', () => {
    const text = big(2000, (i) => `    needs: [${i === 0 ? '' : `s${i - 1}`}]\n    command: [python, step.py, "${i}"]\n    resources: { cpu: 0.5, memory: 1Gi }\n    retry: { limit: 2, delay: 30s }`);
    const r = shape(text);
    expect(r.diagnostics).toEqual([]);
  });

  test('2,000 broken steps give 2,000 diagnostics, one each', () => {
    const text = big(2000, () => `    run: x\n    retry: "soon"`);
    const r = shape(text);
    expect(r.diagnostics).toHaveLength(2000);
    expect(new Set(r.diagnostics.map((d) => d.span?.line)).size).toBe(2000);
    expect(r.diagnostics.every((d) => d.code === 'FLOWC202')).toBe(true);
  });
});
