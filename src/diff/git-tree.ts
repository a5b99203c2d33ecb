import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, sep } from 'node:path';
import type { DiagnosticBag } from '../diagnostics/diagnostic.js';

/** Bounds on what is copied out of a revision: a project is flows and configs, not a monorepo. */
export const MAX_TREE_FILES = 5000;
export const MAX_TREE_BYTES = 64 * 1024 * 1024;

export interface ExportedTree {
  /** The temporary folder holding the revision's copy of `dir` (at the same path below it as in the repository). */
  root: string;
  /** `dir` inside `root`. */
  dir: string;
  /** The commit the revision named. */
  commit: string;
}

/**
 * Copies the files below `dir` as they are at revision `rev` into a new folder under the OS temp
 * folder, reading git's object store only (`rev-parse`, `ls-tree`, `cat-file`): the work tree, the
 * index and the refs are never touched. git's output is untrusted: a path that is absolute, has a
 * `..` segment or is not below `dir` is skipped, and links and submodules are not copied. The
 * caller removes `root`. Problems are FLOWC043 (no git, not a repository), FLOWC044 (no such
 * revision) and FLOWC045 (the tree is too large).
 */
export function exportTree(options: { dir: string; rev: string; diagnostics: DiagnosticBag; limits?: { files: number; bytes: number } }): ExportedTree | undefined {
  const { rev, diagnostics } = options;
  const limits = options.limits ?? { files: MAX_TREE_FILES, bytes: MAX_TREE_BYTES };
  const git = (args: string[], input?: Buffer) =>
    spawnSync('git', args, { cwd: options.dir, input, maxBuffer: MAX_TREE_BYTES + 1024 * 1024, env: { ...process.env, GIT_OPTIONAL_LOCKS: '0', GIT_TERMINAL_PROMPT: '0' } });
  const top = git(['rev-parse', '--show-toplevel']);
  if (top.error || top.status !== 0) {
    const missing = (top.error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT';
    diagnostics.report('FLOWC043', missing ? '--base needs git, and git was not found on PATH' : `--base needs a git repository, and ${options.dir} is not in one`, undefined, [
      missing ? 'install git, or compare two build folders or IR files instead' : 'run flowc diff --base inside the repository that holds flowc.yaml',
    ]);
    return undefined;
  }
  const verify = git(['rev-parse', '--verify', '--quiet', '--end-of-options', `${rev}^{commit}`]);
  const commit = verify.stdout.toString('utf8').trim();
  if (verify.status !== 0 || !/^[0-9a-f]{40,64}$/.test(commit)) {
    diagnostics.report('FLOWC044', `--base ${JSON.stringify(rev)} is not a commit in this repository`, undefined, ['give a branch, tag or commit: --base origin/main, --base HEAD~1']);
    return undefined;
  }
  const repoRoot = realpathSync(top.stdout.toString('utf8').trim());
  const sub = relative(repoRoot, realpathSync(options.dir)).split(sep).join('/');
  const list = git(['ls-tree', '-r', '-z', '--full-tree', commit, '--', sub === '' ? '.' : sub]);
  if (list.status !== 0) {
    diagnostics.report('FLOWC044', `git could not list the files of ${JSON.stringify(rev)}`, undefined, [list.stderr.toString('utf8').trim().slice(0, 200)]);
    return undefined;
  }
  const blobs = treeBlobs(list.stdout.toString('utf8'), sub);
  if (blobs.length > limits.files) {
    diagnostics.report('FLOWC045', `the project folder at ${JSON.stringify(rev)} holds ${blobs.length} files, more than the ${limits.files} flowc diff copies`, undefined, ['keep flowc.yaml in a folder that holds the flows and configs only']);
    return undefined;
  }
  const contents = catBlobs(git, blobs.map((b) => b.oid), limits.bytes);
  if (contents === undefined) {
    diagnostics.report('FLOWC045', `the files of the project folder at ${JSON.stringify(rev)} could not be read from git, or hold more than ${limits.bytes} bytes`);
    return undefined;
  }
  const root = mkdtempSync(join(tmpdir(), 'flowc-diff-'));
  try {
    blobs.forEach((b, i) => {
      const path = join(root, ...b.path.split('/'));
      mkdirSync(dirname(path), { recursive: true });
      // wx: a path git lists twice (or a folder and a file of one name) is never written over.
      writeFileSync(path, contents[i] as Buffer, { flag: 'wx' });
    });
  } catch (e) {
    rmSync(root, { recursive: true, force: true });
    diagnostics.report('FLOWC045', `the files of the project folder at ${JSON.stringify(rev)} could not be copied to the temp folder: ${(e as Error).message}`);
    return undefined;
  }
  return { root, dir: sub === '' ? root : join(root, ...sub.split('/')), commit };
}

/** Regular-file entries of `ls-tree -r -z` whose paths are safe and below `sub`. */
export function treeBlobs(text: string, sub: string): { oid: string; path: string }[] {
  const out: { oid: string; path: string }[] = [];
  for (const entry of text.split('\0')) {
    const m = /^(100644|100755) blob ([0-9a-f]{40,64})\t(.+)$/s.exec(entry);
    if (!m) continue;
    const path = m[3] as string;
    const parts = path.split('/');
    if (path.startsWith('/') || parts.some((p) => p === '' || p === '.' || p === '..' || p.includes('\\'))) continue;
    if (sub !== '' && !path.startsWith(`${sub}/`)) continue;
    out.push({ oid: m[2] as string, path });
  }
  return out;
}

/** Every blob's bytes, in order, through one `git cat-file --batch`; undefined when its output does not parse. */
function catBlobs(git: (args: string[], input?: Buffer) => ReturnType<typeof spawnSync>, oids: string[], maxBytes: number): Buffer[] | undefined {
  if (oids.length === 0) return [];
  const r = git(['cat-file', '--batch'], Buffer.from(`${oids.join('\n')}\n`));
  if (r.error || r.status !== 0) return undefined;
  const out = r.stdout as Buffer;
  const blobs: Buffer[] = [];
  let at = 0;
  let total = 0;
  for (const oid of oids) {
    const eol = out.indexOf(10, at);
    if (eol < 0) return undefined;
    const header = /^([0-9a-f]{40,64}) blob (\d+)$/.exec(out.subarray(at, eol).toString('utf8'));
    if (!header || header[1] !== oid) return undefined;
    const size = Number(header[2]);
    total += size;
    if (total > maxBytes || eol + 1 + size > out.length) return undefined;
    blobs.push(out.subarray(eol + 1, eol + 1 + size));
    at = eol + 1 + size + 1;
  }
  return blobs;
}
