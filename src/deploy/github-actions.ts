import { existsSync, lstatSync, mkdirSync, readFileSync, realpathSync, renameSync, writeFileSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';
import type { CompileRequest } from '../pipeline/compile.js';
import { deployDiagnostic } from './cloud-errors.js';
import { compileForDeploy } from './prepare.js';
import { DeployRun } from './run.js';
import type { DeployResult, DeploySettings } from './types.js';

/** Workflow file names GitHub reads: `.github/workflows/<name>.yml`. */
const FILE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;
/** The parts of a flow too large for one workflow file, which its parent calls by these names. */
const PART_FILE = /^[a-z][a-z0-9-]*\.part-[0-9]+\.gha\.yml$/;

/**
 * `flowc deploy --target github-actions`: GitHub deploys a workflow when it is committed, so this
 * writes `<repo>/.github/workflows/<name>.yml` (the only folder GitHub reads) and says to commit
 * it. Refuses a folder that is not a git checkout, and any path that would leave it.
 */
export function deployGithubActions(req: CompileRequest, s: DeploySettings): DeployResult {
  const prepared = compileForDeploy({ ...req, target: 'github-actions' });
  const run = new DeployRun(s.dryRun === true);
  const ir = prepared.ir;
  const name = s.name ?? ir?.flow.name ?? '';
  const base = { target: 'github-actions', name, artifacts: prepared.artifacts, sources: prepared.sources, diagnostics: prepared.diagnostics };
  const workflow = prepared.artifacts.find((a) => a.path.endsWith('.gha.yml') && !PART_FILE.test(a.path));
  if (!ir || !workflow) return run.result(base);
  const done = () => run.result({ ...base, configHash: ir.config.hash });
  const repo = resolve(req.cwd ?? process.cwd(), s.repoDir ?? '.');
  if (!existsSync(join(repo, '.git'))) {
    run.diagnostics.push(deployDiagnostic('FLOWC745', `${repo} is not a git checkout (no .git): GitHub runs only the workflows committed under .github/workflows/ of a repository`, ['pass --repo-dir with the root of your checkout']));
    return done();
  }
  if (!FILE_NAME.test(name)) {
    run.diagnostics.push(deployDiagnostic('FLOWC741', `'${name}' cannot name a workflow file: letters, digits, '.', '_' and '-', at most 100`));
    return done();
  }
  const root = realpathSync(repo);
  const folder = join(root, '.github', 'workflows');
  // A symlinked .github or workflows folder could point anywhere: write only inside the checkout.
  for (const dir of [join(root, '.github'), folder]) {
    if (existsSync(dir) && (lstatSync(dir).isSymbolicLink() || !realpathSync(dir).startsWith(root + sep))) {
      run.diagnostics.push(deployDiagnostic('FLOWC745', `${relative(root, dir)} is a link or leaves the checkout ${root}; flowc writes workflows only inside it`));
      return done();
    }
  }
  // A flow split into parts (src/targets/github-actions/partition.ts): the parent calls each part
  // as ./.github/workflows/<its file name>, so parts keep their names, and they are written first,
  // so that the folder never holds a parent whose parts are missing.
  const files = [...prepared.artifacts.filter((a) => PART_FILE.test(a.path)).map((a) => ({ file: a.path, contents: a.contents })), { file: `${name}.yml`, contents: workflow.contents }];
  run.deployed.path = join(folder, `${name}.yml`);
  const pending: { path: string; rel: string; contents: string; action: 'create' | 'update' }[] = [];
  for (const f of files) {
    const path = join(folder, f.file);
    const rel = relative(root, path);
    const before = existsSync(path) ? readFileSync(path, 'utf8') : undefined;
    const action = before === undefined ? 'create' : before === f.contents ? 'unchanged' : 'update';
    if (action === 'unchanged') run.change({ action, resource: rel });
    else pending.push({ path, rel, contents: f.contents, action });
  }
  if (pending.length === 0) return done();
  if (run.dryRun) {
    for (const p of pending) run.change({ action: p.action, resource: p.rel, detail: 'dry run: not written' });
    return done();
  }
  mkdirSync(folder, { recursive: true });
  const rels = pending.map((p) => p.rel).join(' ');
  for (const p of pending) {
    // Temp file + rename: a reader (or a crash) never sees half a workflow.
    const temp = `${p.path}.flowc-${process.pid}.tmp`;
    writeFileSync(temp, p.contents, { flag: 'wx' });
    renameSync(temp, p.path);
    run.change({ action: p.action, resource: p.rel, detail: `commit and push it: git add ${rels} && git commit -m "Deploy ${name}"` });
  }
  return done();
}
