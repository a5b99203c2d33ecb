import { suggestFlowName } from '../diagnostics/suggest.js';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, extname, resolve } from 'node:path';
import type { AnySchemaObject, ErrorObject, ValidateFunction } from 'ajv';
import { DiagnosticBag } from '../diagnostics/diagnostic.js';
import { suggestionNotes } from '../diagnostics/suggest.js';
import type { SourceRegistry } from '../source/files.js';
import { parseJsonTree } from '../source/json.js';
import { loadTree } from '../source/load-tree.js';
import { nodeAtPointer } from '../source/pointer.js';
import type { Span } from '../source/span.js';
import { setOwn } from '../source/own-keys.js';
import { mapGet, toJson, type LMap, type LNode } from '../source/tree.js';
import { findTarget, TARGETS } from '../targets/index.js';
import { validatorFor } from '../validators/prebuilt.js';

/** `schemas/project.schema.json`, found relative to this module so it works from src/ and dist/. */
export const PROJECT_SCHEMA_URL = new URL('../../schemas/project.schema.json', import.meta.url);

/** The project file's format version. */
export const PROJECT_FORMAT = 1;

/** The output folder when the project file names none. */
export const DEFAULT_OUT = 'build';

/** Flow names (SPEC section 2); a binding's name becomes its artifacts' flow name. */
const NAME = /^[a-z][a-z0-9-]{0,51}$/;

/** A binding as the project file wrote it, with absolute paths and spans (docs/project.md). */
export interface ProjectBinding {
  name: string;
  nameSpan: Span;
  /** Absolute path of the flow file. */
  flow: string;
  /** Config files per declared config, in written order; `file` absolute. */
  configs: { name: string; file: string; span: Span }[];
  set: string[];
  /** Where each `set:` entry stands in the project file, so override errors point there. */
  setSpans: Span[];
  /** Canonical target ids (the binding's own, else the project's); empty when neither gives any. */
  targets: string[];
  /** What the manifest records: paths as written, relative to the project folder. */
  written: { flow: string; configs: Record<string, string[]> };
}

export interface Project {
  /** Absolute path of flowc.yaml; its folder is where relative paths start. */
  file: string;
  dir: string;
  /** Absolute output folder. */
  out: string;
  targets: string[];
  bindings: ProjectBinding[];
}

let validator: ValidateFunction | undefined;

function projectValidator(): ValidateFunction {
  // Generated at build time or compiled on first use, like the flow schema (src/flow/schema-check.ts).
  validator ??= validatorFor('project', JSON.parse(readFileSync(PROJECT_SCHEMA_URL, 'utf8')) as AnySchemaObject);
  return validator;
}

/**
 * Reads and checks `flowc.yaml`: shape (FLOWC702, against schemas/project.schema.json), format
 * version (FLOWC703), binding names (FLOWC704, FLOWC705), flow files (FLOWC706) and target names
 * (FLOWC707), every problem at its file:line:col. Returns undefined when anything is wrong.
 */
export function loadProject(options: { file: string; sources: SourceRegistry; diagnostics: DiagnosticBag }): Project | undefined {
  const { file, sources, diagnostics } = options;
  if (!existsSync(file) || statSync(file).isDirectory()) {
    diagnostics.report('FLOWC701', `no project file at ${file}`, undefined, ['a project file (flowc.yaml) lists the bindings flowc build compiles; see docs/project.md', 'give another with --project FILE']);
    return undefined;
  }
  const before = diagnostics.items.length;
  const tree = readProjectTree(file, sources, diagnostics);
  if (tree === undefined) return undefined;
  if (!checkShape(tree, diagnostics)) return undefined;
  const root = tree as LMap;
  const dir = dirname(file);

  const version = mapGet(root, 'flowc');
  if (version && version.value.kind === 'scalar' && version.value.value !== PROJECT_FORMAT) {
    diagnostics.report('FLOWC703', `project file format ${String(version.value.value)} is not supported; this flowc reads format ${PROJECT_FORMAT}`, version.value.span);
  }
  const projectTargets = targetList(mapGet(root, 'targets')?.value, diagnostics);
  const defaultFlow = mapGet(root, 'flow')?.value;
  const outNode = mapGet(root, 'out')?.value;
  const out = resolve(dir, outNode ? String((outNode as { value: unknown }).value) : DEFAULT_OUT);

  const bindings: ProjectBinding[] = [];
  const names = new Map<string, Span>();
  // A generated project names the same flow and config files in each of 1,000 bindings: each
  // written path is resolved, and each flow looked up on disk, once.
  const resolved = new Map<string, string>();
  const absolute = (written: string) => {
    let path = resolved.get(written);
    if (path === undefined) resolved.set(written, (path = resolve(dir, written)));
    return path;
  };
  const flowFound = new Map<string, boolean>();
  const bindingsNode = mapGet(root, 'bindings')?.value;
  for (const item of bindingsNode?.kind === 'seq' ? bindingsNode.items : []) {
    const b = item as LMap;
    const nameEntry = mapGet(b, 'name');
    if (!nameEntry) continue;
    const name = String((nameEntry.value as { value: unknown }).value);
    const nameSpan = nameEntry.value.span;
    if (!NAME.test(name)) {
      const near = suggestFlowName(name);
      diagnostics.report('FLOWC704', `binding name '${name}' is not a valid flow name: lowercase letters, digits and '-', starting with a letter, at most 52 characters`, nameSpan, [
        ...(near === undefined ? [] : [`did you mean '${near}'?`]),
        'the binding name becomes the workflow / state machine name and its output folder',
      ]);
    }
    const first = names.get(name);
    if (first) diagnostics.report('FLOWC705', `binding name '${name}' is used twice`, nameSpan, [`first used at line ${first.line}`]);
    else names.set(name, nameSpan);

    const flowNode = mapGet(b, 'flow')?.value ?? defaultFlow;
    if (!flowNode) {
      diagnostics.report('FLOWC702', `binding '${name}' names no flow: give it a flow: or give the project a top-level flow:`, b.span);
      continue;
    }
    const flowWritten = String((flowNode as { value: unknown }).value);
    const flow = absolute(flowWritten);
    let found = flowFound.get(flow);
    if (found === undefined) flowFound.set(flow, (found = isFile(flow)));
    if (!found) {
      diagnostics.report('FLOWC706', `binding '${name}': flow file ${flowWritten} not found`, flowNode.span);
    }
    const configs: ProjectBinding['configs'] = [];
    const writtenConfigs: Record<string, string[]> = {};
    const configsNode = mapGet(b, 'configs')?.value;
    for (const entry of configsNode?.kind === 'map' ? configsNode.entries : []) {
      const files = entry.value.kind === 'seq' ? entry.value.items : [entry.value];
      const writtenFiles: string[] = [];
      setOwn(writtenConfigs, entry.key, writtenFiles);
      for (const f of files) {
        const written = String((f as { value: unknown }).value);
        writtenFiles.push(written);
        configs.push({ name: entry.key, file: absolute(written), span: f.span });
      }
    }
    const setNode = mapGet(b, 'set')?.value;
    const setItems = setNode?.kind === 'seq' ? setNode.items : [];
    const set = setItems.map((s) => String((s as { value: unknown }).value));
    const setSpans = setItems.map((s) => s.span);
    const own = mapGet(b, 'targets');
    const targets = own ? targetList(own.value, diagnostics) : projectTargets;
    bindings.push({ name, nameSpan, flow, configs, set, setSpans, targets, written: { flow: flowWritten, configs: writtenConfigs } });
  }
  if (diagnostics.items.slice(before).some((d) => d.severity === 'error')) return undefined;
  return { file, dir, out, targets: projectTargets, bindings };
}

/** Whether something that is not a folder is at `path` (following links, as the flow is read); one stat, as existsSync would not throw. */
function isFile(path: string): boolean {
  try {
    const st = statSync(path, { throwIfNoEntry: false });
    return st !== undefined && !st.isDirectory();
  } catch {
    return false;
  }
}

/** Canonical ids of a `targets:` list; unknown names are FLOWC707 with a did-you-mean. */
function targetList(node: LNode | undefined, diagnostics: DiagnosticBag): string[] {
  if (node?.kind !== 'seq') return [];
  const ids: string[] = [];
  for (const item of node.items) {
    const name = String((item as { value: unknown }).value);
    const target = findTarget(name);
    if (!target) {
      const known = TARGETS.flatMap((t) => [t.id, ...t.aliases]);
      diagnostics.report('FLOWC707', `unknown target '${name}'`, item.span, [...suggestionNotes(name, known), `known targets: ${TARGETS.map((t) => t.id).join(', ')}`]);
    } else if (!ids.includes(target.id)) {
      ids.push(target.id);
    }
  }
  return ids;
}

/** Validates against the project schema; one FLOWC702 per problem, at the key or value it is about. */
function checkShape(tree: LNode, diagnostics: DiagnosticBag): boolean {
  const validate = projectValidator();
  if (validate(toJson(tree))) return true;
  const errors = (validate.errors ?? []).filter((e) => !isAnyOfNoise(e, validate.errors ?? []));
  const seen = new Set<string>();
  for (const e of errors) {
    const { message, span, notes } = describe(e, tree);
    const key = `${span.line}:${span.col}:${message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    diagnostics.report('FLOWC702', message, span, notes);
  }
  return false;
}

// The configs map takes a path or a list of paths: report the anyOf once, not each branch's type error.
function isAnyOfNoise(e: ErrorObject, all: ErrorObject[]): boolean {
  return e.keyword === 'type' && all.some((a) => a.keyword === 'anyOf' && a.instancePath === e.instancePath);
}

function describe(e: ErrorObject, tree: LNode): { message: string; span: Span; notes?: string[] } {
  const at = nodeAtPointer(tree, e.instancePath);
  const where = e.instancePath === '' ? 'the project file' : e.instancePath.slice(1).replaceAll('/', '.');
  switch (e.keyword) {
    case 'additionalProperties': {
      const key = e.params.additionalProperty as string;
      const entry = at.node.kind === 'map' ? mapGet(at.node, key) : undefined;
      const allowed = Object.keys((e.parentSchema as { properties?: object } | undefined)?.properties ?? {});
      return { message: `unknown field '${key}' in ${where}`, span: entry?.keySpan ?? at.node.span, notes: suggestionNotes(key, allowed) };
    }
    case 'required':
      return { message: `${where} is missing the required field '${e.params.missingProperty as string}'`, span: at.keySpan ?? at.node.span };
    case 'type':
      return { message: `${where} must be ${article(e.params.type as string)}`, span: at.node.span };
    case 'anyOf':
      return { message: `${where} must be a file path or a list of file paths`, span: at.node.span };
    default:
      return { message: `${where} ${e.message ?? 'is invalid'}`, span: at.node.span };
  }
}

function article(type: string): string {
  return type === 'array' ? 'a list' : type === 'object' ? 'a map' : type === 'integer' ? 'an integer' : `a ${type}`;
}

/**
 * The project file's tree. A generated project file is often JSON (JSON is YAML, and generators
 * write it): such a text is read by the JSON reader, several times faster than the YAML reader on
 * multi-line flow maps (a project of 1,000 bindings spent most of an up-to-date build there), when
 * that reader takes it without a single problem; it then gives the same tree, spans included
 * (test/project/project-json.test.ts compares the two). Anything else, and any text the JSON
 * reader refuses, goes to loadTree, which reports as before.
 */
function readProjectTree(file: string, sources: SourceRegistry, diagnostics: DiagnosticBag): LNode | undefined {
  const ext = extname(file).toLowerCase();
  if (ext === '.yaml' || ext === '.yml') {
    const src = sources.read(file);
    if (!('error' in src) && JSON_OBJECT_START.test(src.text)) {
      const tree = parseJsonTree(src, new DiagnosticBag());
      if (tree !== undefined) return tree;
    }
  }
  return loadTree(file, { sources, diagnostics, what: 'project file' });
}

const JSON_OBJECT_START = /^[ \t\r\n]*\{/;
