import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { formatDiagnostics } from '../../src/diagnostics/print.js';
import { compileTargets } from '../../src/pipeline/compile.js';
import { TARGETS } from '../../src/targets/index.js';

/**
 * Every flow the user-facing docs show compiles, for every registered target: a reader copies a
 * block and expects it to work (issue 16). A block is a flow when it is fenced as ```yaml and holds
 * both `flowc: 1` and `steps:`. A marker comment on the line before the fence changes how it is
 * compiled:
 *
 * - `<!-- flowc-docs: partial -->`: deliberately incomplete or wrong (it illustrates an error);
 *   never compiled, and listed in PARTIAL below, so no block is skipped silently.
 * - `<!-- flowc-docs: in <folder> -->`: compiled as a flow placed in that repository folder (its
 *   relative config files and schemas are that folder's), e.g. the README's headline flow.
 *
 * Other flows are compiled in a scratch project made of the doc's named blocks: a "`path`:"
 * paragraph before a fence makes that block the file `path` (docs/config.md's convention).
 */
const ROOT = resolve(import.meta.dirname, '../..');
const DOCS = ['README.md', ...readdirSync(join(ROOT, 'docs')).filter((f) => f.endsWith('.md')).sort().map((f) => `docs/${f}`)];

/** The blocks marked partial, as `doc: flow name`. Adding a marker means adding it here too. */
const PARTIAL: string[] = [
  // An excerpt without target options (stepfunctions and gcp-workflows need a datastore); the
  // complete flow is fixtures/dynamic-shards, which the golden test compiles for every target.
  'docs/outputs.md: dynamic-shards',
];

interface Block {
  doc: string;
  line: number;
  lang: string;
  body: string;
  /** The file name from a "`path`:" paragraph before the fence. */
  file?: string;
  marker?: { kind: 'partial' } | { kind: 'in'; folder: string };
}

export function docBlocks(doc: string, text: string): Block[] {
  const lines = text.split('\n');
  const blocks: Block[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^```(\S*)\s*$/.exec(lines[i] as string);
    if (!open) continue;
    let end = i + 1;
    while (end < lines.length && !/^```\s*$/.test(lines[end] as string)) end++;
    const block: Block = { doc, line: i + 1, lang: open[1] as string, body: `${lines.slice(i + 1, end).join('\n')}\n` };
    const before = lines[i - 1] ?? '';
    const marker = /^<!-- flowc-docs: (partial|in (\S+)) -->$/.exec(before);
    if (marker) block.marker = marker[1] === 'partial' ? { kind: 'partial' } : { kind: 'in', folder: marker[2] as string };
    const named = /^`([^`\s]+)`:$/.exec(lines[i - 2] ?? '');
    if (before === '' && named) block.file = named[1] as string;
    blocks.push(block);
    i = end;
  }
  return blocks;
}

const isFlow = (b: Block) => b.lang === 'yaml' && /^flowc:\s*1\s*(#.*)?$/m.test(b.body) && /^steps:/m.test(b.body);
const flowName = (b: Block) => /^name:\s*(\S+)/m.exec(b.body)?.[1] ?? `line ${b.line}`;

const scratch: string[] = [];
afterAll(() => {
  for (const dir of scratch) rmSync(dir, { recursive: true, force: true });
});

/** A scratch folder holding the doc's named files (or a copy of the marker's folder) and the flow. */
function projectFor(block: Block, all: Block[]): string {
  const dir = mkdtempSync(join(tmpdir(), 'flowc-docflow-'));
  scratch.push(dir);
  if (block.marker?.kind === 'in') cpSync(join(ROOT, block.marker.folder), dir, { recursive: true });
  else {
    for (const b of all) {
      if (!b.file) continue;
      mkdirSync(dirname(join(dir, b.file)), { recursive: true });
      writeFileSync(join(dir, b.file), b.body);
    }
  }
  const flowFile = block.marker?.kind === 'in' || !block.file ? `doc-example-${block.line}.flow.yaml` : block.file;
  writeFileSync(join(dir, flowFile), block.body);
  return join(dir, flowFile);
}

const docs = DOCS.map((doc) => ({ doc, blocks: docBlocks(doc, readFileSync(join(ROOT, doc), 'utf8')) }));
const flows = docs.flatMap(({ blocks }) => blocks.filter(isFlow).map((b) => ({ block: b, all: blocks })));

describe('flows shown in README.md and docs/*.md', () => {
  it('finds the flows (the README headline and the docs worked examples)', () => {
    expect(flows.filter((f) => f.block.doc === 'README.md').length).toBeGreaterThanOrEqual(1);
    expect(flows.length).toBeGreaterThanOrEqual(4);
  });

  it('lists every block marked partial explicitly, and nothing else', () => {
    const marked = flows.filter((f) => f.block.marker?.kind === 'partial').map((f) => `${f.block.doc}: ${flowName(f.block)}`);
    expect(marked.sort()).toEqual([...PARTIAL].sort());
  });

  const compiled = flows.filter((f) => f.block.marker?.kind !== 'partial');
  it.each(compiled.map((f) => [`${f.block.doc}:${f.block.line} (${flowName(f.block)})`, f]))('%s compiles for every target', (_label, f) => {
    const flowPath = projectFor(f.block, f.all);
    const result = compileTargets({ flowPath, configs: [], sets: [], env: {}, cwd: dirname(flowPath), targets: TARGETS.map((t) => t.id) });
    const errors = result.diagnostics.filter((d) => d.severity === 'error');
    // The printed form names code, place and message, which is what a doc fix needs.
    expect(formatDiagnostics(errors, { relativize: (p) => p.slice(dirname(flowPath).length + 1) })).toBe('');
    expect(result.ir).toBeDefined();
    expect(result.artifacts.length).toBeGreaterThanOrEqual(TARGETS.length);
  });
});
