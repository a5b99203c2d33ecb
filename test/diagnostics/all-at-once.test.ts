import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '../cli/run-cli.js';
import { FIXTURES } from '../helpers/fixtures.js';

let work: string;
beforeEach(() => {
  work = mkdtempSync(join(tmpdir(), 'flowc-once-'));
  cpSync(join(FIXTURES, 'ml-training'), join(work, 'ml'), { recursive: true });
});
afterEach(() => rmSync(work, { recursive: true, force: true }));

describe('one problem, one diagnostic', () => {
  it('a missing defaults.image is one FLOWC315 naming the steps, not one per step', async () => {
    const f = join(work, 'ml/flow.yaml');
    writeFileSync(f, readFileSync(f, 'utf8').replace(/^ {2}image: \$\{app\.image\}\n/m, ''));
    const r = await runCli(['validate', 'ml/flow.yaml', '--target', 'ir', '--diagnostics', 'json'], { cwd: work });
    expect(r.code).toBe(1);
    const ds = JSON.parse(r.stdout).diagnostics as { code: string; line: number; message: string; notes: string[] }[];
    expect(ds.map((d) => d.code)).toEqual(['FLOWC315']);
    expect(ds[0]?.message).toBe('5 steps have no image and defaults has none: set defaults.image (or image on each step)');
    expect(ds[0]?.notes).toHaveLength(4);
    expect(ds[0]?.notes[0]).toMatch(/^step 'featurize' at flow\.yaml:\d+:3 has none either$/);
  });
});
