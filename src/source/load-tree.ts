import { readdirSync } from 'node:fs';
import { dirname, extname } from 'node:path';
import { didYouMean } from '../diagnostics/suggest.js';
import type { DiagnosticBag } from '../diagnostics/diagnostic.js';
import type { SourceRegistry, SourceText } from './files.js';
import type { ReadFailure } from './read-input.js';
import { parseJsonTree } from './json.js';
import { placeOf, type Span } from './span.js';
import { parseTomlTree } from './toml.js';
import type { LNode } from './tree.js';
import { parseYamlTree } from './yaml.js';

export interface LoadTreeOptions {
  sources: SourceRegistry;
  diagnostics: DiagnosticBag;
  /** Where the file was named (a `files:` entry, an `extends:` value), so a missing file points there. */
  span?: Span;
  /** The code for a file that cannot be read: FLOWC001 in general, FLOWC401 for config files. */
  unreadableCode?: 'FLOWC001' | 'FLOWC401';
  /** Words for the message, e.g. "config file"; default "file". */
  what?: string;
}

type Parser = (src: SourceText, diagnostics: DiagnosticBag) => LNode | undefined;

/** One parser per extension; the only place that decides which formats flowc reads. */
const PARSERS: Record<string, Parser> = {
  '.yaml': parseYamlTree,
  '.yml': parseYamlTree,
  '.json': parseJsonTree,
  '.toml': parseTomlTree,
};

/** The extensions `loadTree` accepts, for messages and docs. */
export const TREE_EXTENSIONS = Object.keys(PARSERS);

/**
 * Reads a YAML, JSON or TOML file (chosen by extension) into a located tree, through the registry
 * so diagnostics can print code frames. Reports FLOWC005 for another extension and FLOWC001 (or the
 * caller's code) when the file cannot be read, at the place the file was named. Returns undefined
 * when anything was reported.
 */
export function loadTree(absPath: string, options: LoadTreeOptions): LNode | undefined {
  const { sources, diagnostics, span } = options;
  const what = options.what ?? 'file';
  const ext = extname(absPath).toLowerCase();
  const parser = PARSERS[ext];
  if (!parser) {
    diagnostics.report(
      'FLOWC005',
      `cannot read ${what} ${JSON.stringify(baseName(absPath))}: unsupported file type ${JSON.stringify(ext || '(none)')}`,
      span,
      [`supported: ${TREE_EXTENSIONS.join(' ')}`],
    );
    return undefined;
  }
  const src = sources.read(absPath);
  if ('error' in src) {
    reportReadFailure(diagnostics, { file: absPath, failure: src, code: options.unreadableCode ?? 'FLOWC001', what, span });
    return undefined;
  }
  return sources.parse(src, parser, diagnostics);
}

/**
 * Reports a file that could not be read: with the failure's own code when it has one (not a
 * regular file, too large, not UTF-8), else the caller's. Invalid UTF-8 points into the file
 * itself; everything else points where the file was named, so the user sees which reference to fix.
 */
export function reportReadFailure(
  diagnostics: DiagnosticBag,
  options: { file: string; failure: ReadFailure; code: 'FLOWC001' | 'FLOWC401'; what: string; span?: Span | undefined },
): void {
  const { file, failure, span } = options;
  const message = `cannot read ${options.what} ${JSON.stringify(baseName(file))}: ${failure.error}`;
  const at: Span | undefined = failure.at ? { file, line: failure.at.line, col: failure.at.col } : span;
  const notes = failure.at && span ? [`named at ${placeOf(span)}`] : failure.error === 'no such file' ? siblingNote(file) : undefined;
  diagnostics.report(failure.code ?? options.code, message, at, notes);
}

/** A missing file's closest sibling by name (`crt.toml` -> `ctr.toml`), as a note; only names, never paths. */
function siblingNote(file: string): string[] | undefined {
  let names: string[];
  try {
    names = readdirSync(dirname(file)).slice(0, 10_000);
  } catch {
    return undefined;
  }
  const near = didYouMean(baseName(file), names);
  return near === undefined ? undefined : [`did you mean '${near}'? (in the same folder)`];
}

/** Only the last path segment goes into messages: absolute paths never reach output. */
function baseName(absPath: string): string {
  return absPath.split(/[\\/]/).pop() ?? absPath;
}
