import fc from 'fast-check';
import { stringify as stringifyToml } from 'smol-toml';
import { stringify as stringifyYaml } from 'yaml';
import { canonicalJson, sha256Hex } from '../../src/source/canonical-json.js';
import type { Json } from '../../src/source/tree.js';
import type { IR, IRParameter, IRPart, IRStep, IRString } from '../../src/ir/types.js';
import { IR_VERSION } from '../../src/ir/types.js';

export interface ArbIROptions {
  /** Most steps (default 12). */
  maxSteps?: number;
  /** Only series-parallel graphs (built by series/parallel composition). */
  seriesParallelOnly?: boolean;
  /** Allow foreach steps (default true). */
  foreach?: boolean;
  /** Allow hostile literal text (quotes, `${{`, `{{`, `$(...)`, newlines, unicode; default true). */
  hostile?: boolean;
  /** Allow a schedule (default true). */
  schedule?: boolean;
}

const HOSTILE = [
  '${{ secrets.GITHUB_TOKEN }}',
  '{{workflow.name}}',
  '$(touch x)',
  '`id`',
  "it's",
  '"quoted"',
  'line1\nline2',
  '${x}',
  '$${y}',
  'back\\slash',
  'States.Format(\'{}\', $.x)',
  'ünïcødé ✓',
  '{"a": 1}',
  '$.path',
  '',
];

const wordArb = fc.stringMatching(/^[a-z][a-z0-9]{0,7}$/);

function literalArb(hostile: boolean): fc.Arbitrary<string> {
  return hostile ? fc.oneof(wordArb, fc.constantFrom(...HOSTILE)) : wordArb;
}

/** Random DAG edges over n ordered nodes: every edge goes from a lower to a higher index. */
function dagArb(n: number, spOnly: boolean): fc.Arbitrary<[number, number][]> {
  if (!spOnly) {
    const pairs: [number, number][] = [];
    for (let j = 1; j < n; j++) for (let i = 0; i < j; i++) pairs.push([i, j]);
    return fc.subarray(pairs, { maxLength: Math.min(pairs.length, n * 2) });
  }
  // Series-parallel by construction: recursively split [lo, hi) into series or parallel parts.
  return fc.infiniteStream(fc.integer({ min: 0, max: 1_000_000 })).map((stream) => {
    const it = stream[Symbol.iterator]();
    const rand = (k: number) => (it.next().value as number) % k;
    const edges: [number, number][] = [];
    // Returns [sources, sinks] of the sub-graph over nodes lo..hi-1.
    const build = (lo: number, hi: number): [number[], number[]] => {
      if (hi - lo === 1) return [[lo], [lo]];
      const cut = lo + 1 + rand(hi - lo - 1);
      const a = build(lo, cut);
      const b = build(cut, hi);
      if (rand(2) === 0) {
        for (const s of a[1]) for (const t of b[0]) edges.push([s, t]);
        return [a[0], b[1]];
      }
      return [[...a[0], ...b[0]], [...a[1], ...b[1]]];
    };
    build(0, n);
    return edges;
  });
}

/** fast-check arbitrary of valid IRs, for target property tests. */
export function arbIR(options: ArbIROptions = {}): fc.Arbitrary<IR> {
  const maxSteps = options.maxSteps ?? 12;
  const hostile = options.hostile ?? true;
  return fc.integer({ min: 1, max: maxSteps }).chain((n) =>
    fc
      .record({
        edges: dagArb(n, options.seriesParallelOnly ?? false),
        params: fc.uniqueArray(
          fc.record({
            name: fc.stringMatching(/^[a-z][a-z0-9_]{0,8}$/),
            type: fc.constantFrom('string', 'number', 'integer', 'boolean') as fc.Arbitrary<IRParameter['type']>,
            hasDefault: fc.boolean(),
            description: fc.option(literalArb(hostile), { nil: undefined }),
          }),
          { maxLength: 3, selector: (p) => p.name },
        ),
        steps: fc.array(
          fc.record({
            kind: fc.constantFrom('run', 'command') as fc.Arbitrary<'run' | 'command'>,
            texts: fc.array(literalArb(hostile), { minLength: 1, maxLength: 3 }),
            useParam: fc.boolean(),
            useRun: fc.boolean(),
            foreach: options.foreach === false ? fc.constant(null) : fc.option(fc.array(wordArb, { minLength: 1, maxLength: 3 }), { nil: null, freq: 3 }),
            parallelism: fc.option(fc.integer({ min: 1, max: 4 }), { nil: null }),
            cpuMillis: fc.constantFrom(250, 500, 1000, 2000),
            memoryMiB: fc.constantFrom(256, 512, 2048),
            gpu: fc.constantFrom(0, 0, 0, 1),
            retry: fc.option(
              fc.record({
                limit: fc.integer({ min: 1, max: 5 }),
                delaySeconds: fc.constantFrom(1, 10, 30),
                backoff: fc.constantFrom(1, 2),
                maxDelaySeconds: fc.constantFrom(null, 600),
              }),
              { nil: null },
            ),
            timeoutSeconds: fc.option(fc.constantFrom(60, 3600, 5400), { nil: null }),
            envValue: literalArb(hostile),
          }),
          { minLength: n, maxLength: n },
        ),
        schedule: options.schedule === false ? fc.constant(null) : fc.option(fc.constantFrom('0 3 * * *', '*/15 * * * 1-5'), { nil: null }),
        configRegion: literalArb(hostile),
      })
      .map(({ edges, params, steps, schedule, configRegion }) => {
        const origin = { file: 'flow.yaml', line: 1, col: 1 };
        const parameters: IRParameter[] = params.map((p) => {
          const out: IRParameter = { name: p.name, type: p.type, required: !p.hasDefault, origin };
          if (p.hasDefault) out.default = p.type === 'string' ? 'dflt' : p.type === 'boolean' ? false : p.type === 'integer' ? 3 : 0.5;
          if (p.description !== undefined) out.description = p.description;
          return out;
        });
        // Scheduled runs have no inputs: give every parameter a default when a schedule is set.
        if (schedule) for (const p of parameters) if (p.required) { p.required = false; p.default = p.type === 'string' ? 's' : p.type === 'boolean' ? true : 1; }
        const ids = steps.map((_, i) => `s${i}`);
        const irSteps: IRStep[] = steps.map((s, i) => {
          const parts = (extra: IRPart[]): IRString => merge([...s.texts.map((t) => ({ kind: 'lit', value: t }) as IRPart), ...extra]);
          const extra: IRPart[] = [];
          if (s.useParam && parameters.length > 0) extra.push({ kind: 'param', name: (parameters[i % parameters.length] as IRParameter).name });
          if (s.useRun) extra.push({ kind: 'run', field: 'id' });
          if (s.foreach) extra.push({ kind: 'item', path: [] });
          const step: IRStep = {
            id: ids[i] as string,
            needs: edges.filter(([, to]) => to === i).map(([from]) => ids[from] as string),
            image: 'python:3.12-slim',
            exec:
              s.kind === 'run'
                ? { kind: 'run', script: parts(extra) }
                : { kind: 'command', argv: [[{ kind: 'lit', value: 'python' }], ...s.texts.map((t) => merge([{ kind: 'lit', value: t }])), ...extra.map((p) => [p])] },
            env: [{ name: 'USER_VALUE', value: merge([{ kind: 'lit', value: s.envValue }]) }],
            resources: { cpuMillis: s.cpuMillis, memoryMiB: s.memoryMiB, gpu: s.gpu },
            retry: s.retry,
            timeoutSeconds: s.timeoutSeconds,
            secretEnv: [],
            foreach: s.foreach ? { items: s.foreach, from: null, parallelism: s.parallelism } : null,
            outputs: [],
            targets: {},
            origin,
          };
          return step;
        });
        const values: Record<string, Json> = { app: { region: configRegion } };
        const ir: IR = {
          irVersion: IR_VERSION,
          flowcVersion: '0.1.0',
          flow: { name: 'random-flow', description: null, source: 'flow.yaml', sourceHash: '0'.repeat(64) },
          config: { hash: sha256Hex(canonicalJson(values)), values },
          parameters,
          schedule: schedule ? { cron: schedule, timezone: null, origin } : null,
          steps: irSteps,
          edges: [...edges].sort((a, b) => a[0] - b[0] || a[1] - b[1]).map(([a, b]) => [ids[a] as string, ids[b] as string]),
          targets: {},
          secrets: [],
        };
        return ir;
      }),
  );
}

function merge(parts: IRPart[]): IRString {
  const out: IRPart[] = [];
  for (const p of parts) {
    const last = out[out.length - 1];
    if (p.kind === 'lit' && p.value === '') continue;
    if (p.kind === 'lit' && last && last.kind === 'lit') out[out.length - 1] = { kind: 'lit', value: last.value + p.value };
    else out.push(p);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Whole flows as the user writes them: flow.yaml text, config files (YAML, JSON, TOML), `--set`
// overrides and the compile-time environment. Everything generated here is valid by the language
// docs, so every target must compile it and every target's validator must accept the result.

/** A generated project: files by relative path, plus the CLI's cascade arguments. */
export interface FlowCase {
  [fc.toStringMethod]?: () => string;
  files: Record<string, string>;
  flowPath: string;
  configs: { name: string; file: string }[];
  sets: string[];
  env: Record<string, string>;
  /** How many steps the flow has (for sizing run counts and messages). */
  steps: number;
}

export interface ArbFlowOptions {
  /** Fewest steps (default 1). */
  minSteps?: number;
  /** Most steps (default 200). */
  maxSteps?: number;
}

/**
 * Text that must arrive in the container byte for byte: shell and template syntax of every engine,
 * quotes, newlines, tabs, unicode outside the BMP, right-to-left marks, YAML indicators, prototype
 * key names, numbers-looking strings, and long text.
 */
const HOSTILE_TEXT = [
  ...HOSTILE.filter((s) => s !== ''),
  '{{=sprig.env("HOME")}}',
  "{{ '{{' }}",
  '$(FLOWC_LBRACE)',
  '$((1+1))',
  '; rm -rf / #',
  '| cat /etc/passwd',
  '%s %d %n',
  '\ttab\tseparated',
  'trailing space ',
  ' leading space',
  'crlf\r\nline',
  '# not a comment',
  '- not a list',
  '? not a key',
  ': colon',
  '&anchor *alias !tag',
  '---',
  '...',
  '@at `tick` |pipe >fold',
  'null',
  'true',
  '0x1F',
  '1e400',
  '0o17',
  '.inf',
  '__proto__',
  'constructor',
  'prototype',
  'emoji 👩‍👩‍👧 and 𝔘𝔫𝔦𝔠𝔬𝔡𝔢',
  'rtl \u202Eevil\u202C mark',
  'zero\u200Bwidth',
  'ÅÄÖ ß 中文 русский عربى',
  '\\n not a newline',
  '"${{ github.event.issue.title }}"',
  'States.Array(1)',
  '$$.Execution.Id',
  '${sys.get_env("X")}',
  '"${a + b}"',
  "'' \"\" ``",
  'x'.repeat(300),
];

const textArb: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: wordArb },
  { weight: 3, arbitrary: fc.constantFrom(...HOSTILE_TEXT) },
  // Any printable unicode text, including astral planes (no control characters except tab/newline).
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 12 }).filter((s) => !/[\u0000-\u0008\u000B-\u001F\u007F-\u009F]/.test(s) && s.trim() !== '') },
);

/** Literal text written into a flow or config string: a literal `${` is written `$${`. */
export function escapeTemplate(s: string): string {
  // A function replacer: in a replacement string, `$$` would mean one `$`.
  return s.replaceAll('${', () => '$${');
}

/** A reference that may follow literal text; text before it must not end in `$` (it would read as `$${`). */
function joinParts(parts: string[]): string {
  let out = '';
  for (const p of parts) {
    if (p.startsWith('${') && out.endsWith('$')) out += ' ';
    out += p;
  }
  return out;
}

type RefKind = 'param' | 'item' | 'run' | 'flow' | 'step' | 'config';

interface StepDraft {
  prefix: string;
  kind: 'run' | 'command';
  texts: string[];
  refs: RefKind[];
  multiline: boolean;
  foreach: null | { source: 'inline' | 'config'; maps: boolean };
  parallelism: null | number | 'config';
  image: null | 'literal' | 'config';
  resources: null | { cpu: number | string; memory: number | string; gpu: number | null };
  retry: null | number | 'config' | { limit: number; delay: string | number; backoff: number; maxDelay: string | null };
  timeout: null | number | string;
  env: { name: string; value: string | 'param' | 'item' | 'config' | 'number' | 'bool' }[];
  description: string | null;
}

/**
 * One step. `big` flows get shorter literal text: a 200-step flow of 300-character literals is
 * over Cloud Workflows' 128 KB source limit, which flowc rightly refuses (FLOWC603).
 */
/**
 * A field a step sets for itself, else null (inherited from defaults). In `big` flows steps mostly
 * inherit, as generated flows of hundreds of steps do: Argo needs a template and Cloud Workflows a
 * profile per distinct step shape, and a flow of 200 different shapes is over their limits, which
 * flowc refuses with FLOWC603 as it should.
 */
function sometimes<T>(big: boolean, arb: fc.Arbitrary<T>, freq = 2): fc.Arbitrary<T | null> {
  return big ? fc.oneof({ weight: 19, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: arb }) : fc.option(arb, { nil: null, freq });
}

const stepDraftArb = (big: boolean): fc.Arbitrary<StepDraft> => fc.record({
  prefix: fc.stringMatching(/^[a-z][a-z0-9]{0,7}(_[a-z0-9]{1,6})?$/),
  kind: fc.constantFrom('run' as const, 'command' as const),
  texts: fc.array(big ? fc.oneof(wordArb, fc.constantFrom(...HOSTILE_TEXT.filter((t) => t.length < 40))) : textArb, { minLength: 1, maxLength: big ? 2 : 4 }),
  refs: fc.array(fc.constantFrom<RefKind>('param', 'item', 'run', 'flow', 'step', 'config'), { maxLength: big ? 2 : 3 }),
  multiline: fc.boolean(),
  foreach: sometimes(big, fc.record({ source: fc.constantFrom('inline' as const, 'config' as const), maps: fc.boolean() }), 3),
  parallelism: sometimes(big, fc.oneof(fc.integer({ min: 1, max: 8 }), fc.constant('config' as const))),
  image: sometimes(big, fc.constantFrom('literal' as const, 'config' as const), 2),
  resources: sometimes(
    big,
    fc.record({
      cpu: fc.constantFrom<number | string>(0.25, 0.5, 1, 2, 4, '500m', '1500m', '2', '${app.cpu}'),
      memory: fc.constantFrom<number | string>(256, 512, 1.5, '512Mi', '2Gi', '1.5Gi', '2G', '${app.memory}'),
      gpu: fc.constantFrom(null, 0, 0, 1),
    }),
  ),
  retry: sometimes(
    big,
    fc.oneof(
      fc.integer({ min: 0, max: 5 }),
      fc.constant('config' as const),
      fc.record({
        limit: fc.integer({ min: 0, max: 6 }),
        delay: fc.constantFrom<string | number>('1s', '10s', 30, '1m', '1m30s'),
        // Argo takes whole backoff factors only (FLOWC611, documented): fractions are not portable.
        backoff: fc.constantFrom(1, 2, 3),
        maxDelay: fc.constantFrom(null, '10m', '1h', '1d'),
      }),
    ),
  ),
  timeout: sometimes(big, fc.constantFrom<number | string>(60, '90', '15m', '1h30m', '2h30m', '1d', '${app.timeout}')),
  env: fc.uniqueArray(
    fc.record({
      name: fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_]{0,10}$/).filter((n) => !n.toUpperCase().startsWith('FLOWC_')),
      value: fc.oneof(textArb, fc.constantFrom('param' as const, 'item' as const, 'config' as const, 'number' as const, 'bool' as const)),
    }),
    { maxLength: big ? 1 : 3, selector: (e) => e.name },
  ),
  description: big ? fc.constant(null) : fc.option(textArb, { nil: null, freq: 4 }),
});

interface ParamDraft {
  name: string;
  type: 'string' | 'number' | 'integer' | 'boolean';
  defaulted: boolean;
  enumerated: boolean;
  description: string | null;
}

const paramArb: fc.Arbitrary<ParamDraft> = fc.record({
  name: fc.stringMatching(/^[a-z_][a-z0-9_]{0,12}$/),
  type: fc.constantFrom('string' as const, 'number' as const, 'integer' as const, 'boolean' as const),
  defaulted: fc.boolean(),
  enumerated: fc.boolean(),
  description: fc.option(textArb, { nil: null }),
});

const stepCountArb = (min: number, max: number): fc.Arbitrary<number> => {
  // Most flows are small (fast to validate); a few are large, up to `max`.
  const band = (lo: number, hi: number) => fc.integer({ min: Math.max(min, Math.min(lo, max)), max: Math.max(min, Math.min(hi, max)) });
  return fc.oneof({ weight: 6, arbitrary: band(1, 12) }, { weight: 2, arbitrary: band(13, 60) }, { weight: 1, arbitrary: band(61, max) });
};

/** fast-check arbitrary of whole valid flows with their config files (see FlowCase). */
export function arbFlowCase(options: ArbFlowOptions = {}): fc.Arbitrary<FlowCase> {
  const maxSteps = options.maxSteps ?? 200;
  return stepCountArb(options.minSteps ?? 1, maxSteps).chain((n) =>
    fc
      .record({
        n: fc.constant(n),
        edges: dagArb(n, false),
        steps: fc.array(stepDraftArb(n > 60), { minLength: n, maxLength: n }),
        params: fc.uniqueArray(paramArb, { maxLength: 5, selector: (p) => p.name }),
        name: fc.stringMatching(/^[a-z][a-z0-9]{0,10}(-[a-z0-9]{1,8}){0,2}$/),
        description: fc.option(textArb, { nil: null }),
        schedule: fc.constantFrom<null | string | { cron: string; timezone?: string }>(
          null,
          null,
          '0 3 * * *',
          '*/15 * * * 1-5',
          '@daily',
          '30 6 * * MON-FRI',
          { cron: '0 6 1 * *', timezone: 'Europe/Amsterdam' },
          { cron: '0 0 * * 0', timezone: 'UTC' },
          '${app.schedule}',
        ),
        configFormat: fc.constantFrom('yaml' as const, 'json' as const, 'toml' as const),
        configViaCli: fc.boolean(),
        schema: fc.boolean(),
        note: textArb,
        items: fc.uniqueArray(textArb, { minLength: 1, maxLength: 4 }),
        defaults: fc.record({
          image: fc.constantFrom('python:3.12-slim', '${app.image}', 'ghcr.io/acme/x@sha256:' + 'a'.repeat(64)),
          retry: fc.option(fc.constantFrom<unknown>(2, { limit: 1, delay: '30s', backoff: 2, maxDelay: '10m' }), { nil: null }),
          timeout: fc.option(fc.constantFrom('1h', 3600), { nil: null }),
          env: fc.option(textArb, { nil: null }),
        }),
        setNote: fc.option(wordArb, { nil: null }),
        envImageTag: fc.option(fc.stringMatching(/^[a-z0-9][a-z0-9.-]{0,8}$/), { nil: null }),
      })
      .map((d) => renderFlowCase(d)),
  );
}

interface FlowDraft {
  n: number;
  edges: [number, number][];
  steps: StepDraft[];
  params: ParamDraft[];
  name: string;
  description: string | null;
  schedule: null | string | { cron: string; timezone?: string };
  configFormat: 'yaml' | 'json' | 'toml';
  configViaCli: boolean;
  schema: boolean;
  note: string;
  items: string[];
  defaults: { image: string; retry: unknown; timeout: string | number | null; env: string | null };
  setNote: string | null;
  envImageTag: string | null;
}

/** A JSON Schema for the generated config: types, ranges, and a default the schema applies. */
const APP_SCHEMA = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  type: 'object',
  required: ['image', 'cpu', 'regions'],
  properties: {
    image: { type: 'string', minLength: 1 },
    cpu: { type: 'integer', minimum: 1 },
    memory: { type: 'string', pattern: '^[0-9.]+(Mi|Gi)$' },
    retries: { type: 'integer', minimum: 0, maximum: 10 },
    parallel: { type: 'integer', minimum: 1 },
    note: { type: 'string' },
    regions: { type: 'array', minItems: 1, items: { type: 'string' } },
    from_schema: { type: 'string', default: 'schema default' },
  },
};

function stepIds(drafts: StepDraft[]): string[] {
  // Unique after every target's sanitizing (Argo: `_` -> `-`): a suffix keeps them apart.
  const seen = new Set<string>();
  return drafts.map((s, i) => {
    let id = s.prefix;
    if (seen.has(id.replaceAll('_', '-'))) id = `${id}_${i}`;
    seen.add(id.replaceAll('_', '-'));
    return id;
  });
}

function paramDefault(p: ParamDraft): unknown {
  if (p.type === 'string') return p.enumerated ? 'full' : escapeTemplate("it's ${{ x }} {{y}}");
  if (p.type === 'integer') return p.enumerated ? 2 : 7;
  if (p.type === 'number') return p.enumerated ? 0.5 : 0.01;
  return true;
}

function renderFlowCase(d: FlowDraft): FlowCase {
  const ids = stepIds(d.steps);
  const params = d.params;
  const scheduled = d.schedule !== null;
  const app: Record<string, unknown> = {
    image: d.envImageTag !== null ? 'ghcr.io/acme/app:${env:IMAGE_TAG,latest}' : 'python:3.11',
    cpu: 2,
    memory: '1Gi',
    retries: 2,
    timeout: '45m',
    parallel: 3,
    note: escapeTemplate(d.note),
    regions: d.items.map(escapeTemplate),
    shards: d.items.map((t, i) => ({ name: escapeTemplate(t), n: String(i) })),
    schedule: { cron: '0 4 * * *', timezone: 'America/New_York' },
    nested: { deep: { list: [1, 2, { k: 'v' }] } },
    derived: 'note is ${note}',
  };
  const refText = (r: RefKind, i: number, s: StepDraft): string | null => {
    switch (r) {
      case 'param': {
        const p = params[i % Math.max(1, params.length)];
        return p ? `\${params.${p.name}}` : null;
      }
      case 'item':
        return s.foreach ? (s.foreach.maps ? '${item.name}' : '${item}') : null;
      case 'run':
        return '${run.id}';
      case 'flow':
        return '${flow.name}';
      case 'step':
        return '${step.name}';
      case 'config':
        return '${app.note}';
    }
  };
  const steps: Record<string, unknown> = {};
  d.steps.forEach((s, i) => {
    const step: Record<string, unknown> = {};
    if (s.description !== null) step.description = escapeTemplate(s.description);
    const needs = d.edges.filter(([, to]) => to === i).map(([from]) => ids[from] as string);
    if (needs.length > 0) step.needs = needs;
    const refs = s.refs.map((r) => refText(r, i, s)).filter((x): x is string => x !== null);
    if (s.kind === 'run') {
      const parts = [...s.texts.map(escapeTemplate), ...refs];
      step.run = s.multiline ? parts.map((p) => `echo ${p}`).join('\n') : joinParts(parts);
    } else {
      step.command = ['printf', '%s\\n', ...s.texts.map(escapeTemplate), ...refs];
    }
    if (s.foreach) {
      if (s.foreach.source === 'config') step.foreach = s.foreach.maps ? '${app.shards}' : '${app.regions}';
      else step.foreach = s.foreach.maps ? d.items.map((t, k) => ({ name: escapeTemplate(t), k })) : d.items.map(escapeTemplate);
      if (s.parallelism !== null) step.parallelism = s.parallelism === 'config' ? '${app.parallel}' : s.parallelism;
    }
    if (s.image === 'literal') step.image = 'alpine:3.20';
    else if (s.image === 'config') step.image = '${app.image}';
    if (s.resources) {
      const r: Record<string, unknown> = { cpu: s.resources.cpu, memory: s.resources.memory };
      if (s.resources.gpu !== null) r.gpu = s.resources.gpu;
      step.resources = r;
    }
    if (s.retry !== null) {
      if (s.retry === 'config') step.retry = '${app.retries}';
      else if (typeof s.retry === 'number') step.retry = s.retry;
      else {
        const { maxDelay, ...rest } = s.retry;
        step.retry = maxDelay === null ? rest : { ...rest, maxDelay };
      }
    }
    if (s.timeout !== null) step.timeout = s.timeout;
    if (s.env.length > 0) {
      const env: Record<string, unknown> = {};
      for (const e of s.env) {
        if (e.value === 'param') env[e.name] = params[0] ? `\${params.${params[0].name}}` : 'no-param';
        else if (e.value === 'item') env[e.name] = s.foreach ? (s.foreach.maps ? '${item}' : 'item=${item}') : 'no-item';
        else if (e.value === 'config') env[e.name] = d.schema ? '${app.from_schema}' : '${app.note}';
        else if (e.value === 'number') env[e.name] = 42;
        else if (e.value === 'bool') env[e.name] = false;
        else env[e.name] = escapeTemplate(e.value);
      }
      step.env = env;
    }
    steps[ids[i] as string] = step;
  });

  const parameters: Record<string, unknown> = {};
  for (const p of params) {
    const decl: Record<string, unknown> = { type: p.type };
    // A scheduled run has no inputs: every parameter needs a default then.
    if (p.defaulted || scheduled) decl.default = paramDefault(p);
    if (p.enumerated && p.type !== 'boolean') decl.enum = p.type === 'string' ? ['full', 'incremental', "o'brien"] : p.type === 'integer' ? [1, 2, 3] : [0.5, 1.5];
    if (p.description !== null) decl.description = escapeTemplate(p.description);
    parameters[p.name] = decl;
  }

  const configFile = `config/app.${d.configFormat}`;
  const flow: Record<string, unknown> = { flowc: 1, name: d.name };
  if (d.description !== null) flow.description = escapeTemplate(d.description);
  flow.configs = {
    app: { ...(d.configViaCli ? {} : { files: [configFile] }), ...(d.schema ? { schema: 'config/app.schema.json' } : {}), default: { extra: 1, note: 'from the flow default' } },
  };
  if (params.length > 0) flow.parameters = parameters;
  if (d.schedule !== null) flow.schedule = d.schedule;
  const defaults: Record<string, unknown> = { image: d.defaults.image };
  if (d.defaults.retry !== null) defaults.retry = d.defaults.retry;
  if (d.defaults.timeout !== null) defaults.timeout = d.defaults.timeout;
  if (d.defaults.env !== null) defaults.env = { LOG_NOTE: escapeTemplate(d.defaults.env) };
  flow.defaults = defaults;
  flow.targets = {
    argo: { namespace: 'ml', serviceAccountName: 'runner' },
    stepfunctions: { jobQueue: 'queue-1', jobDefinition: 'jobdef-1', region: 'eu-west-1', account: '123456789012', scheduleRoleArn: 'arn:aws:iam::123456789012:role/scheduler' },
    'github-actions': { runsOn: 'ubuntu-latest', gpuRunsOn: 'ubuntu-latest' },
    'gcp-workflows': { project: 'proj-1', region: 'us-central1', serviceAccount: 'sa@proj-1.iam.gserviceaccount.com' },
  };
  flow.steps = steps;

  const files: Record<string, string> = {
    'flow.yaml': stringifyYaml(flow, { lineWidth: 0 }),
    [configFile]: d.configFormat === 'yaml' ? stringifyYaml(app, { lineWidth: 0 }) : d.configFormat === 'json' ? `${JSON.stringify(app, null, 2)}\n` : stringifyToml(app),
  };
  if (d.schema) files['config/app.schema.json'] = `${JSON.stringify(APP_SCHEMA, null, 2)}\n`;
  const sets: string[] = [];
  if (d.setNote !== null) sets.push(`app.note=${d.setNote}`, '++app.added=[a, b]');
  return {
    // fast-check prints counterexamples with this; the failing test saves the files themselves.
    [fc.toStringMethod]: () => `FlowCase(${d.n} steps, ${configFile}${d.configViaCli ? ' via --config' : ''})`,
    files,
    flowPath: 'flow.yaml',
    configs: d.configViaCli ? [{ name: 'app', file: configFile }] : [],
    sets,
    env: d.envImageTag !== null ? { IMAGE_TAG: d.envImageTag } : {},
    steps: d.n,
  };
}
