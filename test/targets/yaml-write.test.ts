import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import fc from 'fast-check';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { DiagnosticBag } from '../../src/diagnostics/diagnostic.js';
import type { IR } from '../../src/ir/types.js';
import { compileTargets } from '../../src/pipeline/compile.js';
import { ARGO_YAML_RULES, argoDocumentViaYaml } from '../../src/targets/argo/serialize.js';
import { FINISHED_VAR } from '../../src/targets/gcp-workflows/dag-scheduler.js';
import { STEP_SUBWORKFLOW } from '../../src/targets/gcp-workflows/names.js';
import { gcwYamlRules, serializeYaml, serializeYamlViaYaml } from '../../src/targets/gcp-workflows/serialize.js';
import { GHA_YAML_RULES, workflowViaYaml } from '../../src/targets/github-actions/serialize.js';
import { REGISTERED_TARGETS } from '../../src/targets/index.js';
import type { Artifact } from '../../src/targets/target.js';
import { Document } from 'yaml';
import { safeYamlString, yamlComment } from '../../src/targets/yaml-text.js';
import { writeYaml, yamlWriter } from '../../src/targets/yaml-write.js';
import { fixtureIR, validFixtures } from '../helpers/fixtures.js';

/**
 * The direct YAML writer (src/targets/yaml-write.ts) against the `yaml` package path it replaces:
 * the same bytes on every fixture and on a synthetic flow large enough for Cloud Workflows'
 * compact layout and parts (whole target outputs, writer on and off), and on generated documents of
 * hostile text under each target's rules. The writer may decline a document (the target then
 * takes the yaml path); the tests also bound how often it does, so a writer that always declined
 * would fail them.
 */
const YAML_TARGETS = ['argo', 'gcp-workflows', 'github-actions'];
const RUNS = Number(process.env.FUZZ_RUNS ?? 300);

afterEach(() => {
  yamlWriter.enabled = true;
});

/** The target's artifacts with the writer on (and how many documents it declined) and off. */
function bothWays(compile: () => Artifact[]): { fast: Artifact[]; slow: Artifact[]; declined: number } {
  yamlWriter.enabled = true;
  const before = yamlWriter.fallbacks;
  const fast = compile();
  const declined = yamlWriter.fallbacks - before;
  yamlWriter.enabled = false;
  const slow = compile();
  yamlWriter.enabled = true;
  return { fast, slow, declined };
}

const irs = new Map<string, IR>();
const irOf = (name: string): IR => {
  let ir = irs.get(name);
  if (!ir) irs.set(name, (ir = fixtureIR(name)));
  return ir;
};

describe('yaml-write: whole target outputs equal the yaml path', () => {
  for (const id of YAML_TARGETS) {
    const target = REGISTERED_TARGETS.find((t) => t.id === id);
    if (!target) throw new Error(`no target ${id}`);
    it.each(validFixtures())(`${id}: %s`, (name) => {
      const ir = irOf(name);
      const { fast, slow, declined } = bothWays(() => target.compile(ir, { diagnostics: new DiagnosticBag() }));
      expect(fast).toEqual(slow);
      expect(declined).toBe(0);
    });
  }

  const dir = mkdtempSync(join(tmpdir(), 'flowc-yaml-write-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  it('a 900-step synthetic flow (Cloud Workflows: compact layout, parent and parts)', async () => {
    const url = pathToFileURL(resolve(import.meta.dirname, '../../scripts/synthetic-flow.mjs')).href;
    const { syntheticFlow } = (await import(url)) as { syntheticFlow: (n: number) => string };
    mkdirSync(dir, { recursive: true });
    // 900: smaller layered flows now fit one Cloud Workflows definition as blocks (partition.ts).
    writeFileSync(join(dir, 'flow.yaml'), syntheticFlow(900));
    const { fast, slow, declined } = bothWays(() => compileTargets({ flowPath: 'flow.yaml', cwd: dir, configs: [], sets: [], env: {}, targets: YAML_TARGETS } as never).artifacts);
    expect(fast.length).toBeGreaterThan(3);
    expect(fast).toEqual(slow);
    expect(declined).toBe(0);
    // The compact layout's flow-style calls are in there.
    expect(fast.some((a) => a.contents.includes(`{call: ${STEP_SUBWORKFLOW},`))).toBe(true);
  });
});

// Hostile text: YAML indicators, words YAML 1.1 reads as booleans or null, number-like text,
// document markers, spaces and tabs at the ends, line breaks of every reader, controls, bidi.
const PIECES = [
  '', 'a', 'b c', 'x'.repeat(45), '-', '?', ':', ': ', ',', '[', ']', '{', '}', '#', ' #', '&', '*', '!', '|', '>', "'", '"', '%', '@', '`', '\\',
  'on', 'On', 'yes', 'no', 'No', 'y', 'n', 'off', 'true', 'False', 'null', 'Null', '~', '<<',
  '0', '1', '-1', '+1', '017', '0x1F', '0o17', '0b101', '1_000', '1:20', '1:20.5', '1.5', '.5', '1e3', '1.5e-3', '.inf', '-.Inf', '.NaN', '2001-12-14', '2001-12-14t21:59:43.10-05:00',
  '---', '...', '--- x', ' ', '  ', '\t', '\n', '\n\n', '\r', '\r\n', '\u0085', '\u2028', '\u2029', '\u202e', '\u2066', '\u200e', '\u061c', '\ufeff', '\u00a0',
  '\u0000', '\u0007', '\u000b', '\u001b', '\u007f', '\u009b', '\ud800', '\udc00', '\ud83d\ude00', 'ü', '✓', '\ufffe',
  '  indented', '\n  more', 'line one\nline two\n', 'echo "$X"\nexit 1', '${{ inputs.x }}', '{{inputs.parameters.a}}', '${sys.get_env("X")}',
  STEP_SUBWORKFLOW, 'sys.sleep', 'commands', 'needs', 'cron', '* * * * *',
];
const hostile = fc.oneof(
  { weight: 4, arbitrary: fc.array(fc.constantFrom(...PIECES), { maxLength: 6 }).map((p) => p.join('')) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 6 }) },
  // A small alphabet dense in quotes, spaces, breaks and indicators, where the quoting rules meet.
  { weight: 2, arbitrary: fc.array(fc.constantFrom("'", '"', ' ', '\t', '\n', 'a', ':', '#', '-', '\u0085'), { maxLength: 8 }).map((p) => p.join('')) },
  { weight: 1, arbitrary: fc.constantFrom(...PIECES) },
);
// Keys the targets give meaning to (flow style, quoting), among hostile ones.
const SPECIAL_KEYS = ['commands', 'call', 'args', 'steps', 'switch', 'next', 'assign', 'needs', 'runs-on', 'options', 'cron', 'name', `${FINISHED_VAR}[x]`];
const key = fc.oneof(fc.constantFrom(...SPECIAL_KEYS), hostile);
const leaf = fc.oneof({ weight: 6, arbitrary: hostile }, fc.integer({ min: -1e6, max: 1e6 }), fc.double({ noNaN: true, noDefaultInfinity: true }).filter((x) => !Object.is(x, -0)), fc.boolean(), fc.constant(null));

const { tree } = fc.letrec<{ tree: unknown; shaped: unknown }>((tie) => ({
  tree: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    { weight: 4, arbitrary: leaf },
    { weight: 2, arbitrary: fc.array(tie('tree'), { maxLength: 4 }) },
    { weight: 2, arbitrary: fc.dictionary(key, tie('tree'), { maxKeys: 5 }) },
    { weight: 1, arbitrary: tie('shaped') },
  ),
  // The shapes gcp-workflows writes in flow style in its compact layout (serialize.ts).
  shaped: fc.oneof(
    fc.record({ call: fc.constantFrom(STEP_SUBWORKFLOW, 'sys.sleep', 'http.get'), args: tie('tree') }),
    fc.record({ steps: fc.tuple(fc.dictionary(key, fc.record({ call: fc.constant(STEP_SUBWORKFLOW), args: tie('tree') }), { minKeys: 1, maxKeys: 1 })) }),
    fc.record({ switch: fc.array(fc.record({ condition: hostile, next: hostile }, { requiredKeys: ['condition'] }), { maxLength: 2 }) }),
    fc.record({ assign: fc.tuple(fc.dictionary(fc.constantFrom(`${FINISHED_VAR}[a]`, 'x', `${FINISHED_VAR}["b\nc"]`), tie('tree'), { maxKeys: 2 })) }),
    fc.record({ commands: fc.array(hostile, { maxLength: 3 }) }),
    // One key in a flow map (needs/commands lists) and in a block map at the same indent.
    fc.tuple(key, leaf).map(([k, v]) => ({ needs: [{ [k]: v }], commands: [{ [k]: v }], a: { b: { c: { d: { [k]: v } } } } })),
  ),
}));
const documentArb = fc.oneof(fc.dictionary(key, tree, { maxKeys: 6 }), fc.array(tree, { maxLength: 4 }));
const headerArb = fc.array(hostile, { maxLength: 3 });

/** Runs `check` on generated documents; the writer must have written (not declined) most of them. */
function differential(check: (doc: unknown, header: string[]) => boolean): void {
  let written = 0;
  let runs = 0;
  fc.assert(
    fc.property(documentArb, headerArb, (doc, header) => {
      runs++;
      if (check(doc, header)) written++;
    }),
    { numRuns: RUNS },
  );
  expect(written).toBeGreaterThan(runs * 0.9);
}

describe('yaml-write: generated hostile documents, byte for byte as the yaml path', () => {
  it('argo rules (YAML 1.1, documents of a stream)', () => {
    differential((doc) => {
      const fast = writeYaml(doc, ARGO_YAML_RULES);
      if (fast !== undefined) expect(fast).toBe(argoDocumentViaYaml(doc as object));
      return fast !== undefined;
    });
  });

  it('any comment above a document, not only yamlComment lines', () => {
    differential((doc, header) => {
      const comment = header.join('\n');
      const fast = writeYaml(doc, ARGO_YAML_RULES, comment);
      const reference = new Document(doc, { version: '1.1', aliasDuplicateObjects: false });
      reference.commentBefore = comment;
      if (fast !== undefined) expect(fast).toBe(safeYamlString(reference, { lineWidth: 0, indent: 2, indentSeq: true }));
      return fast !== undefined;
    });
  });

  for (const layout of ['full', 'compact'] as const) {
    it(`gcp-workflows rules, ${layout} layout (flow-style calls and commands)`, () => {
      differential((doc, header) => {
        const fast = writeYaml(doc, gcwYamlRules(layout), yamlComment(header));
        if (fast !== undefined) expect(fast).toBe(serializeYamlViaYaml(doc, header, layout));
        return fast !== undefined;
      });
    });
  }

  it('github-actions rules (YAML 1.2, empty null, quoted 1.1 words and crons, flow lists)', () => {
    differential((doc, header) => {
      const fast = writeYaml(doc, GHA_YAML_RULES, yamlComment(header));
      if (fast !== undefined) expect(fast).toBe(workflowViaYaml(doc as Record<string, unknown>, header));
      return fast !== undefined;
    });
  });
});

describe('yaml-write: declines what it does not reproduce, and the target takes the yaml path', () => {
  it.each([
    ['-0', { x: -0 }],
    ['NaN', { x: Number.NaN }],
    ['an infinity', { x: [Number.NEGATIVE_INFINITY] }],
    ['a Date', { x: new Date(0) }],
    ['a Map', { x: new Map([['a', 1]]) }],
    ['an undefined list item', { x: [1, undefined] }],
    ['a key over 1,024 characters', { ['k'.repeat(1100)]: 1 }],
  ])('%s', (_what, doc) => {
    expect(writeYaml(doc, ARGO_YAML_RULES)).toBeUndefined();
    expect(serializeYaml(doc, ['h'])).toBe(serializeYamlViaYaml(doc, ['h']));
  });

});

describe('yaml-write: an object held twice, as every target writes it', () => {
  it('is written out in full each time, never as an anchor and alias', () => {
    const shared = { a: 1 };
    const doc = { jobs: { a: shared, b: shared } };
    const gha = writeYaml(doc, GHA_YAML_RULES, yamlComment([]));
    expect(gha).toBe(workflowViaYaml(doc, []));
    expect(gha).not.toMatch(/[&*]a1/);
    expect(gha?.split('\n').filter((l) => l.trim() === 'a: 1')).toHaveLength(2);
    expect(writeYaml(doc, ARGO_YAML_RULES)).toBe(argoDocumentViaYaml(doc));
  });
});
