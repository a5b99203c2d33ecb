import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { IR } from '../../src/ir/types.js';
import { jsonDiagnostics, jsonStream, outcomeProblems, runInProcess } from './cli-run.js';
import { type CaseSpec, materialize, readCase } from './cases.js';
import { FUZZ_TIMEOUT, tempRoot } from './helpers.js';
import { runCase } from './replay.js';
import { artifactProblems } from './validators.js';

/**
 * Every input under fixtures/hostile/ (see its README) through every target. A case is a folder
 * with a case.json (run as it says), or else each flow file in a folder (`flow.yaml`,
 * `*.flow.yaml`), compiled with `--target all --out out`, and each project file (`flowc.yaml`),
 * built. Whatever the outcome, the hostile-input rules hold (exit 0 or 1, never 70, no stack
 * trace, nothing on stdout on failure, coded and located diagnostics); when it compiles, every
 * artifact must pass its target's validator.
 */
const ROOT = process.env.HOSTILE_ROOT ?? resolve(import.meta.dirname, '../../fixtures/hostile');
const work = tempRoot('flowc-hostile-');

interface HostileCase {
  /** Shown in the test name: the path under fixtures/hostile/. */
  name: string;
  dir: string;
  spec: CaseSpec;
}

const isFlowFile = (f: string) => f === 'flow.yaml' || f === 'flow.yml' || /\.flow\.ya?ml$/.test(f);

function collect(dir: string, out: HostileCase[]): void {
  const entries = readdirSync(dir).sort();
  const rel = relative(ROOT, dir) || '.';
  if (entries.includes('case.json')) {
    out.push({ name: rel, dir, spec: readCase(dir) });
    return;
  }
  for (const f of entries) {
    if (!statSync(join(dir, f)).isFile()) continue;
    if (isFlowFile(f)) out.push({ name: `${rel}/${f}`, dir, spec: { args: ['compile', f, '--target', 'all', '--out', 'out'], exit: -1 } });
    else if (f === 'flowc.yaml') out.push({ name: `${rel}/${f}`, dir, spec: { args: ['build', '--jobs', '1', '--no-cache', '--out', 'out'], exit: -1 } });
  }
  for (const f of entries) if (statSync(join(dir, f)).isDirectory() && f !== 'out' && f !== 'expected') collect(join(dir, f), out);
}

function cases(): HostileCase[] {
  const out: HostileCase[] = [];
  if (existsSync(ROOT)) collect(ROOT, out);
  return out;
}

/** The artifacts a successful compile wrote under `out`, with the IR read back from its own artifact. */
function writtenArtifacts(outDir: string): { ir: IR | null; artifacts: { path: string; contents: string }[] } {
  const artifacts: { path: string; contents: string }[] = [];
  const walk = (d: string) => {
    for (const f of readdirSync(d)) {
      const p = join(d, f);
      if (statSync(p).isDirectory()) walk(p);
      else artifacts.push({ path: relative(outDir, p), contents: readFileSync(p, 'utf8') });
    }
  };
  if (existsSync(outDir)) walk(outDir);
  const irFile = artifacts.find((a) => a.path.endsWith('.ir.json'));
  return { ir: irFile ? (JSON.parse(irFile.contents) as IR) : null, artifacts };
}

/** Runner labels the flow configured for GitHub Actions: actionlint only knows hosted ones. */
function runnerLabels(ir: IR): string[] {
  const o = (ir.targets['github-actions'] ?? {}) as Record<string, unknown>;
  return [o.runsOn, o.gpuRunsOn].flat().filter((x): x is string => typeof x === 'string');
}

describe('the hostile corpus (fixtures/hostile/**) through every target', () => {
  const all = cases();
  it('the corpus holds cases', () => {
    expect(all.length).toBeGreaterThan(0);
  });
  for (const c of all) {
    it(c.name, async () => {
      const dir = join(work, c.name.replaceAll('/', '__'));
      let outcome;
      let json = true;
      if (existsSync(join(c.dir, 'case.json'))) {
        ({ outcome, json } = await runCase(c.dir, dir));
      } else {
        materialize(c.dir, dir, c.spec);
        outcome = await runInProcess([...c.spec.args, '--diagnostics', 'json'], dir);
      }
      const label = `fixtures/hostile/${c.name}: flowc ${c.spec.args.join(' ')}`;
      expect(outcomeProblems(outcome, { json }), label).toEqual([]);
      if (c.spec.exit >= 0) expect(outcome.code, `${label}\n${outcome.stderr.slice(0, 3000)}`).toBe(c.spec.exit);
      if (c.spec.codes && json) {
        const parsed = jsonDiagnostics(jsonStream(outcome));
        const codes = 'diagnostics' in parsed ? parsed.diagnostics.map((d) => d.code) : [];
        for (const code of c.spec.codes) expect(codes, label).toContain(code);
      }
      if (outcome.code !== 0) return;
      const outArg = c.spec.args.indexOf('--out');
      if (outArg < 0) return;
      const { ir, artifacts } = writtenArtifacts(join(dir, c.spec.args[outArg + 1] as string));
      const byUnit = new Map<string, { path: string; contents: string }[]>();
      for (const a of artifacts) {
        const unit = a.path.includes('/') ? a.path.split('/')[0]! : '.';
        byUnit.set(unit, [...(byUnit.get(unit) ?? []), a]);
      }
      expect(ir ?? byUnit.size, `${label}: no IR artifact to judge the others against`).toBeTruthy();
      for (const [, files] of byUnit) {
        const irFile = files.find((a) => a.path.endsWith('.ir.json'));
        if (!irFile) continue;
        const unitIR = JSON.parse(irFile.contents) as IR;
        expect(await artifactProblems(unitIR, files.map((f) => ({ path: basename(f.path), contents: f.contents })), { customLabels: runnerLabels(unitIR) }), label).toEqual([]);
      }
    }, FUZZ_TIMEOUT);
  }
});
