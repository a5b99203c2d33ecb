import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { afterAll, describe, expect, test } from 'vitest';
import { runCli } from '../cli/run-cli.js';
import { FIXTURES } from '../helpers/fixtures.js';
import { validateArgo } from './argo/helpers.js';
import { schemaErrors } from './gcp-workflows/structure.js';
import { lintFindings } from './github-actions/helpers.js';
import { aslErrors } from './stepfunctions/helpers.js';

/**
 * User text that flowc repeats in comments, headers and annotations (the flow file's name, the
 * description, parameter descriptions) cannot change what an artifact parses to: compiled under
 * each hostile file name of fixtures/hostile/escape/, with a hostile description, every artifact
 * of every target parses to the same documents as a plain compile, apart from that text, and
 * still passes its target's validator (docs/security.md, "Escaping of user text").
 */
const CASE = join(FIXTURES, 'hostile/escape');
const HOSTILE_FLOW = readFileSync(join(CASE, 'flow.yaml'), 'utf8');
const NAMES = (JSON.parse(readFileSync(join(CASE, 'file-names.json'), 'utf8')) as { names: string[] }).names;
const TARGETS = 'ir,argo,gcp-workflows,github-actions,stepfunctions';
const PLAIN_FILE = 'plain.flow.yaml';

/** The fixture with both descriptions replaced by plain text: the baseline. */
const PLAIN_FLOW = HOSTILE_FLOW.replace(/^description: .*$/m, 'description: plain description').replace(/^    description: .*$/m, '    description: plain param');

const tmp = mkdtempSync(join(tmpdir(), 'flowc-escape-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

interface Compiled {
  files: Map<string, string>;
  /** The flow file's sha256 and name as the lockfile records them. */
  sourceHash: string;
  source: string;
}

let runs = 0;
async function compileAs(fileName: string, flowText: string): Promise<Compiled> {
  const dir = join(tmp, String(runs++));
  mkdirSync(dir);
  writeFileSync(join(dir, fileName), flowText);
  const r = await runCli(['compile', fileName, '--target', TARGETS, '--out', 'out'], { cwd: dir });
  expect(r.stderr, 'compile diagnostics').toBe('');
  expect(r.code).toBe(0);
  const files = new Map(readdirSync(join(dir, 'out')).map((f) => [f, readFileSync(join(dir, 'out', f), 'utf8')]));
  const lock = JSON.parse(files.get('hostile-escape.config.lock.json') as string) as { flow: { sha256: string; file: string } };
  // The IR keeps the part after the last `/` or `\` (src/ir/lower.ts splits on both, for Windows).
  expect(fileName.endsWith(lock.flow.file)).toBe(true);
  return { files, sourceHash: lock.flow.sha256, source: lock.flow.file };
}

/** What each file parses to, the way its engine reads it (Kubernetes and Workflows: YAML 1.1; GitHub: 1.2). */
function parsed(file: string, text: string): unknown {
  if (file.endsWith('.json')) return JSON.parse(text);
  const version = file.endsWith('.gha.yml') ? '1.2' : '1.1';
  return parseAllDocuments(text, { version }).map((d) => {
    expect(d.errors, `${file}: YAML errors`).toEqual([]);
    return d.toJS();
  });
}

/** Every string in `v` with `fn` applied. */
function mapStrings(v: unknown, fn: (s: string) => string): unknown {
  if (typeof v === 'string') return fn(v);
  if (Array.isArray(v)) return v.map((x) => mapStrings(x, fn));
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [fn(k), mapStrings(x, fn)]));
  return v;
}

/**
 * The Argo run annotations flowc copies from the template: left out of runs when they hold `{{`
 * (src/targets/argo/metadata.ts), so they are compared on the objects' own metadata only.
 */
function withoutRunText(file: string, docs: unknown): unknown {
  if (!file.endsWith('.argo.yaml')) return docs;
  return (docs as Record<string, any>[]).map((doc) => {
    const copy = structuredClone(doc);
    const run = copy.spec.workflowMetadata;
    for (const key of ['workflows.argoproj.io/description', 'flowc.dev/flow-source']) delete run.annotations[key];
    return copy;
  });
}

/** The leading comment lines of a YAML file. */
const headerLines = (text: string): number => text.split('\n').findIndex((l) => !l.startsWith('#'));

/**
 * Characters a reader may take as a line break (CR, NEL, U+2028, U+2029; go-yaml and YAML 1.1
 * do), controls that drive a terminal, and bidi controls: none may stand raw in an artifact.
 * Only LF (and tab) may.
 */
const RAW_UNSAFE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff]/;

const DESCRIPTION = /^description: (.*)$/m.exec(HOSTILE_FLOW)?.[1] as string;
const PARAM_DESCRIPTION = /^    description: (.*)$/m.exec(HOSTILE_FLOW)?.[1] as string;
/**
 * GitHub Actions writes text holding `${{` as one string-literal expression (`${{ 'it''s' }}`,
 * src/targets/github-actions/expressions.ts); the value GitHub shows is the literal.
 */
const ghaLiteral = (s: string): string => {
  const m = /^\$\{\{ '((?:[^']|'')*)' \}\}$/s.exec(s);
  return m ? (m[1] as string).replaceAll("''", "'") : s;
};
const yamlString = (written: string): string => (parseAllDocuments(`v: ${written}`)[0]?.toJS() as { v: string }).v;

describe('user text in comments, headers and annotations (fixtures/hostile/escape)', () => {
  let baseline: Compiled;
  test('the plain baseline compiles', async () => {
    baseline = await compileAs(PLAIN_FILE, PLAIN_FLOW);
    expect([...baseline.files.keys()].sort()).toEqual([
      'compile.manifest.json',
      'hostile-escape.argo.yaml',
      'hostile-escape.asl.json',
      'hostile-escape.batch.json',
      'hostile-escape.config.lock.json',
      'hostile-escape.gcp.yaml',
      'hostile-escape.gha.yml',
      'hostile-escape.ir.json',
      'hostile-escape.schedule.json',
      'hostile-escape.scheduler.json',
    ]);
  });

  test.each(NAMES.map((n, i) => [i, n]))('file name %i %j: same documents, validators pass, no raw line breaks or controls', async (_i, name) => {
    const fileName = `${name}.flow.yaml`;
    const hostile = await compileAs(fileName, HOSTILE_FLOW);
    const description = yamlString(DESCRIPTION);
    const paramDescription = yamlString(PARAM_DESCRIPTION);
    const plain = (s: string) =>
      ghaLiteral(s)
        .replaceAll(fileName, PLAIN_FILE)
        .replaceAll(hostile.source, PLAIN_FILE).replaceAll(description, 'plain description').replaceAll(paramDescription, 'plain param').replaceAll(hostile.sourceHash, baseline.sourceHash);
    expect([...hostile.files.keys()].sort()).toEqual([...baseline.files.keys()].sort());
    for (const [file, text] of hostile.files) {
      const base = baseline.files.get(file) as string;
      expect(RAW_UNSAFE.exec(text)?.[0], `${file}: a raw unsafe character`).toBeUndefined();
      // The compile manifest lists the other files' hashes, which differ by construction.
      if (file === 'compile.manifest.json') continue;
      // The text really is in there, in some form (else this test would prove nothing).
      // Batch job definitions carry no text of the flow file's name or description.
      if (!file.endsWith('.schedule.json') && !file.endsWith('.scheduler.json') && !file.endsWith('.batch.json')) expect(text).not.toBe(base);
      expect(mapStrings(withoutRunText(file, parsed(file, text)), plain), `${file} parses to the baseline's documents`).toEqual(withoutRunText(file, parsed(file, base)));
      // GitHub Actions repeats the description in the header, one comment line per line of it.
      const extra = file.endsWith('.gha.yml') ? description.split('\n').length - 1 : 0;
      if (!file.endsWith('.json')) expect(headerLines(text), `${file}: header comment lines`).toBe(headerLines(base) + extra);
    }
    const argo = validateArgo(hostile.files.get('hostile-escape.argo.yaml') as string);
    // Argo substitutes `{{...}}` in what runs get (spec.workflowMetadata), never on the objects.
    for (const doc of argo) {
      expect(doc.metadata.annotations['workflows.argoproj.io/description']).toBe(description);
      const run = doc.spec.workflowMetadata;
      for (const v of Object.values(run?.annotations ?? {})) expect(v).not.toContain('{{');
    }
    expect(aslErrors(JSON.parse(hostile.files.get('hostile-escape.asl.json') as string))).toEqual([]);
    expect(schemaErrors(hostile.files.get('hostile-escape.gcp.yaml') as string)).toEqual([]);
    expect(await lintFindings(hostile.files.get('hostile-escape.gha.yml') as string)).toEqual([]);
  });
});
