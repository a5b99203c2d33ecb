import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { projectRootOf } from '../../src/config/path-guard.js';
import type { Diagnostic } from '../../src/diagnostics/diagnostic.js';
import { compileTargets } from '../../src/pipeline/compile.js';
import { tmpTree } from '../config/helpers.js';

const at = (root: string, d: Diagnostic) => `${d.code} ${d.span ? `${d.span.file.slice(root.length + 1)}:${d.span.line}:${d.span.col}` : '-'}`;

const FLOW = (files: string, schema = '') => `flowc: 1
name: demo
configs:
  app: { files: [${files}]${schema ? `, schema: ${schema}` : ''} }
steps:
  a: { image: x, run: echo }
`;

// The tree: <tmp>/outside/creds.json (a stand-in for ~/.docker/config.json) and <tmp>/proj/flows/...
function tree(flow: string, extra: Record<string, string> = {}) {
  const tmp = tmpTree({ 'outside/creds.json': '{"auths": {"ghcr.io": {"auth": "c2VjcmV0"}}}', 'outside/schema.json': '{}', 'proj/flows/demo.flow.yaml': flow, ...extra });
  return { tmp, flowPath: join(tmp, 'proj/flows/demo.flow.yaml'), cwd: join(tmp, 'proj/flows') };
}

describe('paths outside the project root (FLOWC017)', () => {
  it('extends: to a file outside is refused where it is named, and its contents never reach an artifact', () => {
    const t = tree(FLOW('app.yaml'), { 'proj/flows/app.yaml': 'extends: ../../outside/creds.json\nx: 1\n' });
    const r = compileTargets({ flowPath: t.flowPath, cwd: t.cwd, targets: ['ir'] });
    expect(r.diagnostics.map((d) => at(t.tmp, d))).toEqual(['FLOWC017 proj/flows/app.yaml:1:10']);
    expect(r.diagnostics[0]?.message).toBe(`extends target ../../outside/creds.json is outside the project root ${join(t.tmp, 'proj/flows')}`);
    expect(r.artifacts).toEqual([]);
    const allowed = compileTargets({ flowPath: t.flowPath, cwd: t.cwd, targets: ['ir'], allowOutside: true });
    expect(allowed.diagnostics).toEqual([]);
    expect(allowed.artifacts[0]?.contents).toContain('c2VjcmV0');
  });

  it('a files: entry, a schema and a --config outside are refused; projectRoot moves the root', () => {
    const t = tree(FLOW('../../outside/creds.json', '../../outside/schema.json'));
    writeFileSync(join(t.tmp, 'outside/more.yaml'), 'y: 2\n');
    const r = compileTargets({ flowPath: t.flowPath, cwd: t.cwd, configs: [{ name: 'app', file: '../../outside/more.yaml' }], targets: ['ir'] });
    expect(r.diagnostics.map((d) => at(t.tmp, d))).toEqual(['FLOWC017 proj/flows/demo.flow.yaml:4:18', 'FLOWC017 -']);
    const schema = compileTargets({ flowPath: t.flowPath, cwd: t.cwd, targets: ['ir'], projectRoot: join(t.tmp, 'outside'), allowOutside: false });
    expect(schema.diagnostics).toEqual([]);
    const onlySchema = tree(FLOW('app.yaml', '../../outside/schema.json'), { 'proj/flows/app.yaml': 'x: 1\n' });
    const s = compileTargets({ flowPath: onlySchema.flowPath, cwd: onlySchema.cwd, targets: ['ir'] });
    expect(s.diagnostics.map((d) => at(onlySchema.tmp, d))).toEqual(['FLOWC017 proj/flows/demo.flow.yaml:4:37']);
    expect(s.diagnostics[0]?.message).toContain('config schema ../../outside/schema.json is outside the project root');
  });

  it('a symlink inside the project that leads outside is resolved and refused', () => {
    const t = tree(FLOW('app.json'));
    symlinkSync(join(t.tmp, 'outside/creds.json'), join(t.tmp, 'proj/flows/app.json'));
    const r = compileTargets({ flowPath: t.flowPath, cwd: t.cwd, targets: ['ir'] });
    expect(r.diagnostics.map((d) => at(t.tmp, d))).toEqual(['FLOWC017 proj/flows/demo.flow.yaml:4:18']);
    expect(r.diagnostics[0]?.message).toContain(`(a link to ${join(t.tmp, 'outside/creds.json')})`);
  });

  it('the project root is the nearest folder with flowc.yaml or .git, else the flow\'s folder', () => {
    const t = tree(FLOW('../config/app.yaml'), { 'proj/config/app.yaml': 'x: 1\n' });
    expect(projectRootOf(t.flowPath)).toBe(join(t.tmp, 'proj/flows'));
    expect(compileTargets({ flowPath: t.flowPath, cwd: t.cwd, targets: ['ir'] }).diagnostics.map((d) => d.code)).toEqual(['FLOWC017']);
    mkdirSync(join(t.tmp, 'proj/.git'));
    expect(projectRootOf(t.flowPath)).toBe(join(t.tmp, 'proj'));
    expect(compileTargets({ flowPath: t.flowPath, cwd: t.cwd, targets: ['ir'] }).diagnostics).toEqual([]);
  });
});
