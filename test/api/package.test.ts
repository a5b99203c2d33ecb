import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../..');
const FLOW = join(ROOT, 'fixtures/linear/flow.yaml');
let dir: string;

beforeAll(() => {
  // A consumer project: `flowc` resolved by name from node_modules, as after `npm i flowc`.
  dir = mkdtempSync(join(tmpdir(), 'flowc-api-'));
  mkdirSync(join(dir, 'node_modules'));
  symlinkSync(ROOT, join(dir, 'node_modules', 'flowc'), 'dir');
  writeFileSync(join(dir, 'package.json'), '{"type":"module"}\n');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("import { compile, build, deploy, loadProject } from 'flowc'", () => {
  it('resolves through package.json exports and compiles a fixture as data, printing nothing', () => {
    writeFileSync(
      join(dir, 'use.mjs'),
      `import * as flowc from 'flowc';
const r = await flowc.compile({ flow: ${JSON.stringify(FLOW)}, targets: ['argo', 'sfn'] });
const bad = await flowc.compile({ flow: 'nope.flow.yaml', targets: 'argo' });
const deployed = await flowc.deploy({ flow: ${JSON.stringify(FLOW)}, target: 'ir' });
console.log(JSON.stringify({
  exports: Object.keys(flowc).sort(),
  ok: r.ok, files: r.artifacts.map((a) => a.path), lock: r.lockfile?.path, hash: r.configHash,
  bad: { ok: bad.ok, codes: bad.diagnostics.map((d) => d.code) },
  deployed: { ok: deployed.ok, codes: deployed.diagnostics.map((d) => d.code) },
}));
`,
    );
    const out = execFileSync(process.execPath, ['use.mjs'], { cwd: dir, encoding: 'utf8' });
    const r = JSON.parse(out);
    expect(r.exports).toEqual(['build', 'compile', 'deploy', 'deployProject', 'formatDiagnostics', 'loadProject', 'version']);
    expect(r.ok).toBe(true);
    expect(r.files).toEqual(['nightly-report.argo.yaml', 'nightly-report.asl.json', 'nightly-report.batch.json']);
    expect(r.lock).toBe('nightly-report.config.lock.json');
    expect(r.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(r.bad).toEqual({ ok: false, codes: ['FLOWC001'] });
    // `ir` has no engine: FLOWC740, as data.
    expect(r.deployed).toEqual({ ok: false, codes: ['FLOWC740'] });
  });

  it('ships type declarations: a TypeScript consumer type-checks against the package by name', () => {
    writeFileSync(
      join(dir, 'use.ts'),
      `import { compile, deploy, type CompileOutput, type DeployResult } from 'flowc';
const c: Promise<CompileOutput> = compile({ flow: 'f.flow.yaml', targets: ['argo'] });
const d: Promise<DeployResult> = deploy({ flow: 'f.flow.yaml', target: 'sfn', dryRun: true, region: 'eu-west-1' });
// @ts-expect-error: targets is required
void compile({ flow: 'f.flow.yaml' });
void c; void d;
`,
    );
    writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({ compilerOptions: { module: 'nodenext', moduleResolution: 'nodenext', strict: true, noEmit: true, skipLibCheck: true, types: [] }, files: ['use.ts'] }));
    const tsc = join(ROOT, 'node_modules/typescript/bin/tsc');
    expect(() => execFileSync(process.execPath, [tsc, '-p', 'tsconfig.json'], { cwd: dir, encoding: 'utf8' })).not.toThrow();
  });
});
