import fc from 'fast-check';
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
            foreach: s.foreach ? { items: s.foreach, parallelism: s.parallelism } : null,
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
