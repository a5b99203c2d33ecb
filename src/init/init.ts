import { lstatSync, mkdirSync, readdirSync } from 'node:fs';
import type { Diagnostic } from '../diagnostics/diagnostic.js';
import { describeEntry, inspectOutput, relPathProblem } from '../project/output-paths.js';
import type { StarterFile } from './starters.js';

/** What init will do in a folder: the files to write, those kept, or why it refuses. */
export type InitPlan =
  | { ok: true; write: StarterFile[]; kept: string[] }
  | { ok: false; diagnostics: Diagnostic[] };

/**
 * Decides what `flowc init` writes into `dir` (docs/run.md, "flowc init"). A folder that has
 * anything in it is refused: a starter written over a project would mix two. `--force` writes
 * only the starter files that are missing and never replaces one. Every path is checked as
 * output paths are (src/project/output-paths.ts): a link, folder or special file where a starter
 * file goes refuses the whole init, so nothing is written through a link to outside `dir`.
 */
export function planInit(options: { dir: string; shown: string; files: StarterFile[]; force: boolean }): InitPlan {
  const { dir, shown } = options;
  const st = lstatQuietly(dir);
  if (st !== undefined) {
    const isDir = st.isDirectory() || (st.isSymbolicLink() && statIsDir(dir));
    if (!isDir) return refuse({ code: 'FLOWC037', severity: 'error', message: `${shown} is ${describeEntry(dir, st)}, not a folder; flowc init writes a new project into a folder` });
    // A fresh `git init` is still an empty project: init writes nothing into .git.
    const entries = readdirSync(dir).filter((e) => e !== '.git');
    if (entries.length > 0 && !options.force) {
      return refuse({
        code: 'FLOWC035',
        severity: 'error',
        message: `${shown} is not empty (${entries.length} entr${entries.length === 1 ? 'y' : 'ies'}); flowc init starts a project in an empty or new folder`,
        notes: ['give a new folder: flowc init my-project', 'or add the starter files that are missing, replacing none: flowc init --force'],
      });
    }
  }
  const write: StarterFile[] = [];
  const kept: string[] = [];
  const diagnostics: Diagnostic[] = [];
  for (const f of options.files) {
    const problem = relPathProblem(f.rel);
    if (problem) throw new Error(`starter file ${JSON.stringify(f.rel)} ${problem}`);
    const state = st === undefined ? { kind: 'missing' as const } : inspectOutput(dir, f.rel);
    if (state.kind === 'missing') write.push(f);
    else if (state.kind === 'file') kept.push(f.rel);
    else diagnostics.push({ code: 'FLOWC036', severity: 'error', message: `${joinShown(shown, f.rel)} is ${state.what}; flowc init writes no file through or over it, so nothing was written` });
  }
  return diagnostics.length > 0 ? refuse(...diagnostics) : { ok: true, write, kept };
}

/** Creates the project folder (and its parents) when it does not exist yet. */
export function ensureDir(dir: string): void {
  mkdirSync(dir, { recursive: true });
}

function refuse(...diagnostics: Diagnostic[]): InitPlan {
  return { ok: false, diagnostics };
}

export function joinShown(shown: string, rel: string): string {
  return shown === '.' ? rel : `${shown.replace(/\/+$/, '')}/${rel}`;
}

function lstatQuietly(path: string) {
  try {
    return lstatSync(path);
  } catch {
    return undefined;
  }
}

function statIsDir(path: string): boolean {
  try {
    return readdirSync(path) !== undefined;
  } catch {
    return false;
  }
}
