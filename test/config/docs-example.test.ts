import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createProgram } from '../../src/cli/program.js';
import { resolveFlowConfigs } from '../../src/pipeline/compile.js';

/**
 * The worked example of docs/config.md, run for real: its files are taken from the doc, the doc's
 * command runs through the CLI, and the doc must show exactly what flowc printed. After a
 * deliberate change, replace the doc's output block with the `received` text of the failure.
 */
const DOC = readFileSync(new URL('../../docs/config.md', import.meta.url), 'utf8');

/** Every "`path`:" paragraph followed by a fenced block becomes a file of the example project. */
function exampleProject(): string {
  const root = mkdtempSync(join(tmpdir(), 'flowc-docs-'));
  const blocks = [...DOC.matchAll(/^`([^`\n]+)`:\n\n```[a-z]*\n([\s\S]*?)```$/gm)];
  expect(blocks.map((b) => b[1])).toEqual(['flow.yaml', 'config/base.toml', 'config/variant.toml', 'config/app.schema.json']);
  for (const [, name, body] of blocks) {
    const file = join(root, name as string);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, body as string);
  }
  return root;
}

async function flowc(root: string, argv: string[]) {
  let stdout = '';
  let stderr = '';
  const io = {
    stdout: (t: string) => void (stdout += t),
    stderr: (t: string) => void (stderr += t),
    stderrIsTTY: false,
    cwd: root,
    env: { IMAGE_TAG: '1.4.2' },
  };
  const code = await createProgram(io).run(argv);
  return { code, stdout, stderr };
}

describe('docs/config.md worked example', () => {
  it('the doc shows what its command prints', async () => {
    const command = /^IMAGE_TAG=1\.4\.2 flowc (config flow\.yaml .*--explain)$/m.exec(DOC);
    expect(command).not.toBeNull();
    const r = await flowc(exampleProject(), (command?.[1] as string).split(' '));
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(DOC).toContain(`\`\`\`\n${r.stdout}\`\`\``);
  });

  it('resolves to the values the doc states', () => {
    const root = exampleProject();
    const r = resolveFlowConfigs({ flowPath: 'flow.yaml', cwd: root, configs: [{ name: 'app', file: 'config/variant.toml' }], sets: ['app.train.cpu=8'], env: { IMAGE_TAG: '1.4.2' } });
    expect(r.diagnostics).toEqual([]);
    const stated = /^The resolved `app` config is\n`(.*)`\.$/m.exec(DOC)?.[1];
    expect(r.resolved?.values.app).toEqual(JSON.parse(stated as string));
    // base.toml is laid twice (the flow's files, then through variant.toml's extends): recorded once.
    const leaves = r.resolved?.provenance.app ?? [];
    expect(leaves.find((l) => l.path === 'train.cpu')?.overrode.map((o) => o.value)).toEqual([6, 4]);
    expect(leaves.find((l) => l.path === 'k8s.namespace')?.overrode).toEqual([]);
  });
});
