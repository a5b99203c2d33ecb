import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { evaluateCondition, evaluateScalar, evaluateWhole, type EvalContext } from './github-eval.js';
import { parseGithubOutput } from './github-output.js';

/**
 * A small stand-in for GitHub running a flowc workflow, enough for step outputs: jobs in file
 * order (flowc writes them in dependency order), a matrix expanded from `include` or from a
 * `fromJSON(...)` expression, env scalars evaluated as GitHub does (github-eval.ts), `if:`
 * conditions, every `run` executed by `sh` in a fresh RUNNER_TEMP and workspace per job (leg),
 * `$GITHUB_OUTPUT` read as the runner reads it, job outputs from the last leg (as GitHub keeps
 * one), and upload-artifact/download-artifact as copies into and out of one store per run.
 * Containers are not modelled: every step runs on this machine.
 */
export interface SimResult {
  /** Job (or job leg, `id[i]`) to its outcome. */
  outcome: Record<string, 'success' | 'failure' | 'skipped'>;
  /** Everything the steps printed, in order. */
  log: string;
  /** Job outputs by job id. */
  outputs: Record<string, Record<string, string>>;
}

export function simulateRun(
  wf: Record<string, any>,
  { shell = 'sh', root: given, inputs = null, path = process.env.PATH ?? '' }: { shell?: string; root?: string; inputs?: Record<string, unknown> | null; path?: string } = {},
): SimResult {
  const root = given ?? mkdtempSync(join(tmpdir(), 'flowc-gha-sim-'));
  const artifacts = join(root, 'artifacts');
  mkdirSync(artifacts, { recursive: true });
  const outcome: SimResult['outcome'] = {};
  const outputs: SimResult['outputs'] = {};
  let log = '';
  const github = { run_id: '4242', ref: 'refs/heads/main' };
  try {
    for (const [id, job] of Object.entries<any>(wf.jobs)) {
      const needs: string[] = job.needs ?? [];
      if (needs.some((n) => outcome[n] !== 'success')) {
        outcome[id] = 'skipped';
        continue;
      }
      const needsCtx = Object.fromEntries(needs.map((n) => [n, { outputs: outputs[n] ?? {} }]));
      const base: EvalContext = { inputs, matrix: {}, github, needs: needsCtx };
      const matrix = job.strategy?.matrix;
      const legs: Record<string, unknown>[] =
        matrix === undefined ? [{}] : typeof matrix === 'string' ? ((evaluateWhole(matrix, base) as { include: Record<string, unknown>[] }).include ?? []) : matrix.include;
      if (legs.length === 0) throw new Error(`job ${id}: a matrix with no entries, which GitHub refuses`);
      let ok = true;
      legs.forEach((leg, index) => {
        const ctx: EvalContext = { ...base, matrix: leg, strategy: { 'job-index': index }, steps: {} };
        const dir = join(root, `${id}.${index}`);
        const temp = join(dir, 'temp');
        const workspace = join(dir, 'ws');
        mkdirSync(temp, { recursive: true });
        mkdirSync(workspace, { recursive: true });
        const env: Record<string, string> = { PATH: path, RUNNER_TEMP: temp, GITHUB_WORKSPACE: workspace };
        for (const scope of [wf.env ?? {}, job.env ?? {}]) for (const [k, v] of Object.entries<string>(scope)) env[k] = evaluateScalar(String(v), ctx);
        let legOk = true;
        for (const [n, s] of (job.steps as any[]).entries()) {
          if (s.if !== undefined && !evaluateCondition(String(s.if), ctx)) continue;
          if (s.uses?.startsWith('actions/upload-artifact@')) {
            const name = evaluateScalar(s.with.name, ctx);
            const from = join(workspace, s.with.path);
            if (!existsSync(from) || readdirSync(from).length === 0) throw new Error(`job ${id}: upload of ${name}: no files`);
            cpSync(from, join(artifacts, name), { recursive: true });
            continue;
          }
          if (s.uses?.startsWith('actions/download-artifact@')) {
            const pattern = evaluateScalar(s.with.pattern, ctx);
            const re = new RegExp(`^${pattern.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replaceAll('*', '.*')}$`);
            for (const name of readdirSync(artifacts)) if (re.test(name)) cpSync(join(artifacts, name), join(workspace, s.with.path, name), { recursive: true });
            continue;
          }
          if (s.uses !== undefined) throw new Error(`job ${id}: action ${s.uses} is not modelled`);
          const stepEnv = { ...env };
          for (const [k, v] of Object.entries<string>(s.env ?? {})) stepEnv[k] = evaluateScalar(String(v), ctx);
          const githubOutput = join(temp, `_github_output_${n}`);
          writeFileSync(githubOutput, '');
          const file = join(temp, `_step_${n}.sh`);
          writeFileSync(file, evaluateScalar(String(s.run), ctx));
          const res = spawnSync(shell, [file], { cwd: workspace, env: { ...stepEnv, GITHUB_OUTPUT: githubOutput }, encoding: 'utf8' });
          log += res.stdout + res.stderr;
          if (res.status !== 0) {
            legOk = false;
            break;
          }
          if (s.id !== undefined) (ctx.steps as Record<string, { outputs: Record<string, string> }>)[s.id] = { outputs: parseGithubOutput(readFileSync(githubOutput, 'utf8')) };
        }
        outcome[matrix === undefined ? id : `${id}[${index}]`] = legOk ? 'success' : 'failure';
        ok &&= legOk;
        if (legOk && job.outputs) outputs[id] = Object.fromEntries(Object.entries<string>(job.outputs).map(([k, v]) => [k, evaluateScalar(v, ctx)]));
      });
      outcome[id] = ok ? 'success' : 'failure';
    }
  } finally {
    if (given === undefined) rmSync(root, { recursive: true, force: true });
  }
  return { outcome, log, outputs };
}
