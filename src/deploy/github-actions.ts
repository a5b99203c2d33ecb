import { existsSync, lstatSync, mkdirSync, readFileSync, realpathSync, renameSync, writeFileSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';
import type { CompileRequest } from '../pipeline/compile.js';
import { deployDiagnostic } from './cloud-errors.js';
import { artifactEnding, compileForDeploy } from './prepare.js';
import { DeployRun } from './run.js';
import type { DeployResult, DeploySettings } from './types.js';

/** Workflow file names GitHub reads: `.github/workflows/<name>.yml`. */
const FILE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;

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
  const workflow = artifactEnding(prepared.artifacts, '.gha.yml');
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
  const path = join(folder, `${name}.yml`);
  const rel = relative(root, path);
  const before = existsSync(path) ? readFileSync(path, 'utf8') : undefined;
  const action = before === undefined ? 'create' : before === workflow.contents ? 'unchanged' : 'update';
  run.deployed.path = path;
  if (action === 'unchanged') {
    run.change({ action, resource: rel });
    return done();
  }
  if (run.dryRun) {
    run.change({ action, resource: rel, detail: 'dry run: not written' });
    return done();
  }
  mkdirSync(folder, { recursive: true });
  // Temp file + rename: a reader (or a crash) never sees half a workflow.
  const temp = `${path}.flowc-${process.pid}.tmp`;
  writeFileSync(temp, workflow.contents, { flag: 'wx' });
  renameSync(temp, path);
  run.change({ action, resource: rel, detail: `commit and push it: git add ${rel} && git commit -m "Deploy ${name}"` });
  return done();
}
