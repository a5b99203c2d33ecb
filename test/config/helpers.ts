import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, isAbsolute, join, relative } from 'node:path';
import type { ConfigDecl, ResolveConfigsRequest, ResolvedConfigs } from '../../src/config/types.js';
import { resolveConfigs } from '../../src/config/resolve.js';
import { DiagnosticBag, type Diagnostic } from '../../src/diagnostics/diagnostic.js';
import { SourceRegistry, SourceText } from '../../src/source/files.js';
import type { Span } from '../../src/source/span.js';
import type { LNode } from '../../src/source/tree.js';
import { parseYamlTree } from '../../src/source/yaml.js';

/** A fresh folder under the OS temp dir with the given files (paths relative to it). */
export function tmpTree(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'flowc-config-'));
  for (const [rel, text] of Object.entries(files)) {
    const abs = join(root, rel);
    mkdirSync(dirname(abs), { recursive: true });
    writeFileSync(abs, text);
  }
  return root;
}

/** A span in the (virtual) flow file, for decls. */
export function flowSpan(root: string, line: number, col: number): Span {
  return { file: join(root, 'flow.yaml'), line, col };
}

/** Parses inline YAML as the `default:` of a decl. */
export function yamlNode(file: string, text: string): LNode {
  const bag = new DiagnosticBag();
  const node = parseYamlTree(new SourceText(file, text), bag);
  if (!node) throw new Error(`bad test YAML: ${JSON.stringify(bag.items)}`);
  return node;
}

export interface DeclSpec {
  name?: string;
  files?: string[];
  schema?: string;
  default?: string;
}

export function decl(root: string, spec: DeclSpec): ConfigDecl {
  const d: ConfigDecl = {
    name: spec.name ?? 'app',
    nameSpan: flowSpan(root, 3, 3),
    files: (spec.files ?? []).map((f, i) => ({ path: join(root, f), span: flowSpan(root, 4, 13 + i * 10) })),
  };
  if (spec.schema) d.schema = { path: join(root, spec.schema), span: flowSpan(root, 5, 13) };
  if (spec.default !== undefined) d.default = yamlNode(join(root, 'flow.yaml'), spec.default);
  return d;
}

export interface RunResult {
  resolved: ResolvedConfigs | undefined;
  diagnostics: Diagnostic[];
  root: string;
  rel: (abs: string) => string;
}

export function run(
  root: string,
  decls: ConfigDecl[],
  extra: Partial<Omit<ResolveConfigsRequest, 'decls' | 'sources' | 'diagnostics'>> = {},
): RunResult {
  const diagnostics = new DiagnosticBag();
  const rel = (abs: string) => relative(root, abs);
  // Test files name layer files relative to the temp root.
  const abs = (f: string) => (isAbsolute(f) ? f : join(root, f));
  const req: ResolveConfigsRequest = { decls, env: {}, sources: new SourceRegistry(), diagnostics, relativize: rel, ...extra };
  if (extra.cliConfigs) req.cliConfigs = extra.cliConfigs.map((c) => ({ ...c, file: abs(c.file) }));
  if (extra.bindingFiles) req.bindingFiles = extra.bindingFiles.map((b) => ({ ...b, file: abs(b.file) }));
  const resolved = resolveConfigs(req);
  return { resolved, diagnostics: diagnostics.items, root, rel };
}

/** Shorthand: one config `app` from files (and options), returning the run. */
export function runApp(files: Record<string, string>, spec: DeclSpec, extra: Parameters<typeof run>[2] = {}): RunResult {
  const root = tmpTree(files);
  return run(root, [decl(root, spec)], extra);
}

/** Diagnostics as `code file:line:col` for compact assertions (file relative to the run's root). */
export function where(r: RunResult): string[] {
  return r.diagnostics.map((d) => `${d.code} ${d.span ? `${r.rel(d.span.file)}:${d.span.line}:${d.span.col}` : '-'}`);
}
