import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OUTPUTS_DIR, OUTPUTS_MOUNT } from '../../../src/targets/argo/outputs.js';
import type { ExecResult, RunOptions, SimContainer } from './argo-sim.js';

/**
 * Runs a container's argv with this machine's `sh`, standing in for the pod: the emptyDir
 * mounted at /flowc is a fresh temporary folder (FLOWC_OUTPUTS points into it), and the files left
 * under it are reported at their container paths. So the wrapper flowc writes around a producing
 * step really runs. `inner` may replace the step's own argv (after the wrapper's arguments) for
 * commands this machine does not have, such as a fixture's `python split.py`.
 */
export function shellExec(o: { inner?: (task: string, index: number | null, argv: string[]) => string[] | undefined } = {}): RunOptions['exec'] {
  return (task, index, c: SimContainer): ExecResult => {
    const wrapped = c.argv[0] === 'sh' && c.argv[3] === 'flowc-outputs';
    let argv = c.argv;
    const replaced = o.inner?.(task, index, wrapped ? argv.slice(4) : argv);
    if (replaced) argv = wrapped ? [...argv.slice(0, 4), ...replaced] : replaced;
    if (argv[0] !== 'sh') return { exitCode: 0, files: new Map() };
    const root = mkdtempSync(join(tmpdir(), 'flowc-argo-pod-'));
    try {
      const env: Record<string, string> = { PATH: process.env.PATH ?? '/usr/bin:/bin' };
      for (const [k, v] of c.env) env[k] = k === 'FLOWC_OUTPUTS' && v === OUTPUTS_DIR ? join(root, 'outputs') : v;
      const r = spawnSync('sh', argv.slice(1), { env, encoding: 'utf8', maxBuffer: 16 << 20 });
      const files = new Map<string, string>();
      for (const dir of ['outputs', 'values']) {
        let names: string[] = [];
        try {
          names = readdirSync(join(root, dir));
        } catch {
          continue;
        }
        for (const n of names) files.set(`${OUTPUTS_MOUNT}/${dir}/${n}`, readFileSync(join(root, dir, n), 'utf8'));
      }
      return { exitCode: r.status ?? 1, files, stderr: r.stderr };
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  };
}
