import { deploy, deployProject } from '../../api/deploy.js';
import type { DeployChange, DeployResult, DeploySettings } from '../../deploy/types.js';
import { createProgress } from '../../project/progress.js';
import { findTarget } from '../../targets/index.js';
import { type CliIO, EXIT, UsageError } from '../io.js';
import { type CascadeOptions, parseConfigArgs } from '../options.js';
import { reportDiagnostics, type DiagnosticsFormat } from '../report.js';

/** The deploy settings as commander parses them (`--no-validate` sets `validate` to false). */
export interface DeployCliOptions extends CascadeOptions, Omit<DeploySettings, 'clients'> {
  target?: string;
}

/** The settings commander parsed, without the keys the user did not give. */
function settingsOf(opts: Partial<DeployCliOptions>): DeploySettings {
  const s: DeploySettings = { dryRun: opts.dryRun === true, validate: opts.validate !== false };
  for (const k of ['name', 'region', 'roleArn', 'scheduleRoleArn', 'location', 'serviceAccount', 'repoDir', 'namespace', 'context'] as const) {
    const v = opts[k];
    if (typeof v === 'string') s[k] = v;
  }
  return s;
}

function changeLine(c: DeployChange, dryRun: boolean): string {
  const verb = dryRun && c.action !== 'unchanged' && c.action !== 'validate' ? `would ${c.action}` : c.action;
  return `  ${verb.padEnd(16)} ${c.resource}${c.detail ? `  (${c.detail})` : ''}\n`;
}

/**
 * The AWS SDK warns on every run under Node 20 that its releases after January 2027 need Node 22:
 * news for flowc's maintainers (package.json pins the SDK), not for someone deploying a flow.
 */
function quietSdkNotices(): void {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
}

/** `flowc deploy <flow> --target T`: compile, then push to the engine (docs/deploy.md). */
export async function runDeploy(io: CliIO, flow: string, opts: DeployCliOptions): Promise<number> {
  quietSdkNotices();
  if (opts.target === undefined) throw new UsageError('deploy needs --target: stepfunctions, gcp-workflows, github-actions or argo', 'FLOWC010', ['for example: flowc deploy flow.yaml --target stepfunctions --dry-run']);
  if (findTarget(opts.target) === undefined) throw new UsageError(`unknown target '${opts.target}': flowc deploys to stepfunctions, gcp-workflows, github-actions or argo`, 'FLOWC002');
  const configs = parseConfigArgs(opts.config);
  const settings = settingsOf(opts);
  if (opts.project !== undefined) settings.project = opts.project;
  const result = await deploy({ flow, target: opts.target, configs: configs.configs, set: opts.set, env: io.env, cwd: io.cwd, allowOutside: opts.allowOutside === true, ...settings });
  printResult(io, result);
  const failed = reportDiagnostics({ io, diagnostics: [...configs.diagnostics, ...result.diagnostics], sources: result.sources, format: opts.diagnostics });
  return failed || !result.ok ? EXIT.inputErrors : EXIT.ok;
}

function printResult(io: CliIO, r: DeployResult): void {
  if (r.changes.length === 0) return;
  io.stdout(`${r.dryRun ? 'plan (dry run, nothing sent that writes)' : 'deployed'}: ${r.name} to ${r.target}${r.configHash ? ` (config sha256 ${r.configHash.slice(0, 12)})` : ''}\n`);
  for (const c of r.changes) io.stdout(changeLine(c, r.dryRun));
}

export interface BuildDeployOptions {
  project: string;
  only: string[];
  target?: string;
  allowOutside?: boolean;
  diagnostics: DiagnosticsFormat;
  dryRun?: boolean;
  region?: string;
  roleArn?: string;
  deployJobs?: string;
}

/**
 * `flowc build --deploy`: every binding to each of its targets, a few at a time, with a progress
 * bar on a terminal and a summary table; exit 1 when any failed (the others still deploy).
 */
export async function runBuildDeploy(io: CliIO, opts: BuildDeployOptions): Promise<number> {
  quietSdkNotices();
  const concurrency = opts.deployJobs === undefined ? 4 : Number(opts.deployJobs);
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 64) throw new UsageError(`--deploy-jobs ${opts.deployJobs}: expected a whole number from 1 to 64`);
  const progress = createProgress({ ...io, stderrIsTTY: io.stderrIsTTY && io.progress !== false }, 'deployed');
  const out = await deployProject({
    project: opts.project,
    only: opts.only,
    ...(opts.target !== undefined ? { targets: opts.target } : {}),
    env: io.env,
    cwd: io.cwd,
    allowOutside: opts.allowOutside === true,
    concurrency,
    ...settingsOf(opts),
    onResult: (r) => progress.update(r.done, r.total),
  });
  progress.finish();
  const rows = out.deploys.map(({ binding, result }) => [binding, result.target, result.ok ? (result.dryRun ? 'planned' : 'ok') : 'FAILED', summarize(result)]);
  if (rows.length > 0) io.stdout(table([['binding', 'target', 'result', 'changes'], ...rows]));
  const all = [...out.diagnostics, ...out.deploys.flatMap((d) => d.result.diagnostics)];
  const failed = reportDiagnostics({ io, diagnostics: all, sources: out.sources, format: opts.diagnostics });
  return failed || !out.ok ? EXIT.inputErrors : EXIT.ok;
}

function summarize(r: DeployResult): string {
  const counts = new Map<string, number>();
  for (const c of r.changes) counts.set(c.action, (counts.get(c.action) ?? 0) + 1);
  return [...counts].map(([a, n]) => `${n} ${a}`).join(', ') || '-';
}

function table(rows: string[][]): string {
  const widths = (rows[0] as string[]).map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows.map((r) => r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i] as number))).join('  ')).join('\n') + '\n';
}
