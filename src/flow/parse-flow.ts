import { resolve } from 'node:path';
import { type Diagnostic, DiagnosticBag } from '../diagnostics/diagnostic.js';
import type { SourceRegistry, SourceText } from '../source/files.js';
import { mapGet, type LMap, type LMapEntry, type LNode, type LScalar, type LSeq } from '../source/tree.js';
import { parseYamlTree } from '../source/yaml.js';
import type { WrittenConfigDecl, WrittenFlow, WrittenParameter, WrittenSecret, WrittenStep, WrittenStepFields, WrittenTargetOptions } from './ast.js';
import { checkFlowShape, matchesWithoutUnknownFields } from './schema-check.js';

export interface ParseFlowOptions {
  /** Path of the flow file; made absolute against the working directory. */
  file: string;
  sources: SourceRegistry;
  diagnostics: DiagnosticBag;
  /** Target aliases from the registry, for did-you-mean on `targets:` keys (see ShapeCheckOptions). */
  targetAliases?: Readonly<Record<string, string>>;
}

/**
 * Reads a flow file into its written form (SPEC section 2): read (FLOWC001), parse YAML
 * (FLOWC1xx), check the shape against `schemas/flow.schema.json` (FLOWC2xx and literal units,
 * cron, timezones), then give typed access to the located nodes. Nothing is normalized here:
 * shorthands (`retry: 3`) and `${...}` stay as written for lowering. Returns undefined when any
 * of these steps reported an error.
 */
export function parseFlow(opts: ParseFlowOptions): WrittenFlow | undefined {
  const file = resolve(opts.file);
  const src = opts.sources.read(file);
  if ('error' in src) {
    // The flow file has no place that names it but itself.
    const message = `cannot read flow file ${opts.file}: ${src.error}`;
    opts.diagnostics.report(src.code ?? 'FLOWC001', message, { file, line: src.at?.line ?? 1, col: src.at?.col ?? 1 });
    return undefined;
  }
  // All of it depends on the text alone: the units of a build that share one flow file parse
  // and check it once (SourceRegistry.parse), each still getting its diagnostics.
  return opts.sources.parse(src, flowParser(opts.targetAliases), opts.diagnostics);
}

const NO_ALIASES: Readonly<Record<string, string>> = {};
/** One parser per alias table, so a shared registry knows it has parsed a text this way before. */
const flowParsers = new WeakMap<Readonly<Record<string, string>>, (src: SourceText, diagnostics: DiagnosticBag) => WrittenFlow | undefined>();

function flowParser(targetAliases: Readonly<Record<string, string>> | undefined): (src: SourceText, diagnostics: DiagnosticBag) => WrittenFlow | undefined {
  const key = targetAliases ?? NO_ALIASES;
  let parser = flowParsers.get(key);
  if (parser === undefined) {
    parser = (src, diagnostics) => parseFlowText(src, diagnostics, targetAliases);
    flowParsers.set(key, parser);
  }
  return parser;
}

function parseFlowText(src: SourceText, diagnostics: DiagnosticBag, targetAliases: Readonly<Record<string, string>> | undefined): WrittenFlow | undefined {
  const tree = parseYamlTree(src, diagnostics);
  if (!tree) return undefined;
  const shape = new DiagnosticBag();
  const ok = checkFlowShape(tree, shape, targetAliases ? { targetAliases } : {});
  diagnostics.addAll(shape.items);
  // An unknown field is ignored by everything after the shape check, so the later phases still
  // run and report their own problems in the same run (the run fails all the same).
  if (!ok && !(onlyUnknownFields(shape.items) && matchesWithoutUnknownFields(tree))) return undefined;
  return buildWrittenFlow({ root: tree, file: src.file });
}

export interface BuildWrittenFlowOptions {
  /** A tree that passed `checkFlowShape` (as written, or after `${...}` resolution). */
  root: LNode;
  /** Absolute path of the flow file. */
  file: string;
}

/**
 * Typed access to a shape-checked flow tree. The shape check guarantees the kinds this relies on
 * (a map at the top, `flowc` and `name` scalars, maps for configs/parameters/targets/steps), so a
 * mismatch here is a bug in flowc, not a user error.
 */
export function buildWrittenFlow(opts: BuildWrittenFlowOptions): WrittenFlow {
  const root = asMap(opts.root, 'flow');
  const scalar = (key: string): LScalar | undefined => {
    const v = mapGet(root, key)?.value;
    return v === undefined ? undefined : asScalar(v, key);
  };
  const flow: WrittenFlow = {
    file: opts.file,
    root,
    flowc: scalar('flowc') as LScalar,
    name: scalar('name') as LScalar,
    configs: entriesOf(root, 'configs').map(([e, node]) => configDecl(e.key, e.keySpan, node)),
    parameters: entriesOf(root, 'parameters').map(([e, node]) => parameter(e.key, e.keySpan, node)),
    targets: targetEntries(root, 'targets'),
    secrets: entriesOf(root, 'secrets').map(([e, node]): WrittenSecret => ({ name: e.key, nameSpan: e.keySpan, node, locators: targetEntries(node) })),
    steps: stepsOf(root),
  };
  const description = scalar('description');
  if (description) flow.description = description;
  const schedule = mapGet(root, 'schedule')?.value;
  if (schedule) flow.schedule = schedule;
  const defaults = mapGet(root, 'defaults')?.value;
  if (defaults) flow.defaults = stepFields(asMap(defaults, 'defaults'));
  return flow;
}

/** A map keyed by target id (`targets:`, a step's `targets:`, a secret's locators), in the order written. */
function targetEntries(node: LMap, key?: string): WrittenTargetOptions[] {
  const m = key === undefined ? node : mapGet(node, key)?.value;
  return m?.kind === 'map' ? m.entries.map((e): WrittenTargetOptions => ({ id: e.key, idSpan: e.keySpan, node: e.value })) : [];
}

/** `steps:`, each step's body a map (as entriesOf, without a pair per step). */
function stepsOf(root: LMap): WrittenStep[] {
  const v = mapGet(root, 'steps')?.value;
  if (!v) return [];
  const entries = asMap(v, 'steps').entries;
  const out = new Array<WrittenStep>(entries.length);
  for (let i = 0; i < entries.length; i++) {
    const e = entries[i] as LMapEntry;
    out[i] = step(e.key, e.keySpan, asMap(e.value, `steps.${e.key}`));
  }
  return out;
}

/** The entries of a map-of-maps field (`steps`, `configs`, `parameters`), each value a map. */
function entriesOf(root: LMap, key: string): [LMap['entries'][number], LMap][] {
  const v = mapGet(root, key)?.value;
  if (!v) return [];
  return asMap(v, key).entries.map((e) => [e, asMap(e.value, `${key}.${e.key}`)]);
}

function configDecl(name: string, nameSpan: WrittenConfigDecl['nameSpan'], node: LMap): WrittenConfigDecl {
  const files = mapGet(node, 'files')?.value;
  const decl: WrittenConfigDecl = {
    name,
    nameSpan,
    node,
    files: files ? asSeq(files, `configs.${name}.files`).items.map((f) => asScalar(f, `configs.${name}.files[]`)) : [],
  };
  const schema = mapGet(node, 'schema')?.value;
  if (schema) decl.schema = asScalar(schema, `configs.${name}.schema`);
  const def = mapGet(node, 'default')?.value;
  if (def) decl.default = asMap(def, `configs.${name}.default`);
  return decl;
}

function parameter(name: string, nameSpan: WrittenParameter['nameSpan'], node: LMap): WrittenParameter {
  const type = mapGet(node, 'type')?.value;
  const p: WrittenParameter = { name, nameSpan, node, type: asScalar(type ?? missing(`parameters.${name}.type`), `parameters.${name}.type`) };
  const def = mapGet(node, 'default')?.value;
  if (def) p.default = def;
  const required = mapGet(node, 'required')?.value;
  if (required) p.required = asScalar(required, `parameters.${name}.required`);
  const values = mapGet(node, 'enum')?.value;
  if (values) p.enum = asSeq(values, `parameters.${name}.enum`);
  const description = mapGet(node, 'description')?.value;
  if (description) p.description = asScalar(description, `parameters.${name}.description`);
  return p;
}

function stepFields(node: LMap): WrittenStepFields {
  const fields: WrittenStepFields = { node };
  for (const key of ['image', 'resources', 'retry', 'timeout', 'env'] as const) {
    const v = mapGet(node, key)?.value;
    if (v) fields[key] = v;
  }
  return fields;
}


function step(id: string, idSpan: WrittenStep['idSpan'], node: LMap): WrittenStep {
  // One pass over the step's keys into locals instead of a search per field (a flow may have
  // 10,000 steps); the object gets its fields in the same order as before. A key appears once
  // (the parser refuses duplicates), so the first match is the only one.
  let image: LNode | undefined;
  let resources: LNode | undefined;
  let retry: LNode | undefined;
  let timeout: LNode | undefined;
  let env: LNode | undefined;
  let needs: LNode | undefined;
  let run: LNode | undefined;
  let command: LNode | undefined;
  let foreach: LNode | undefined;
  let parallelism: LNode | undefined;
  let outputs: LNode | undefined;
  let targets: LNode | undefined;
  let description: LNode | undefined;
  const entries = node.entries;
  for (let i = 0; i < entries.length; i++) {
    const e = entries[i] as LMapEntry;
    const v = e.value;
    switch (e.key) {
      case 'image':
        image ??= v;
        break;
      case 'resources':
        resources ??= v;
        break;
      case 'retry':
        retry ??= v;
        break;
      case 'timeout':
        timeout ??= v;
        break;
      case 'env':
        env ??= v;
        break;
      case 'needs':
        needs ??= v;
        break;
      case 'run':
        run ??= v;
        break;
      case 'command':
        command ??= v;
        break;
      case 'foreach':
        foreach ??= v;
        break;
      case 'parallelism':
        parallelism ??= v;
        break;
      case 'outputs':
        outputs ??= v;
        break;
      case 'targets':
        targets ??= v;
        break;
      case 'description':
        description ??= v;
        break;
    }
  }
  const s = { node } as WrittenStep;
  if (image) s.image = image;
  if (resources) s.resources = resources;
  if (retry) s.retry = retry;
  if (timeout) s.timeout = timeout;
  if (env) s.env = env;
  s.id = id;
  s.idSpan = idSpan;
  s.targets = targets?.kind === 'map' ? targets.entries.map((e): WrittenTargetOptions => ({ id: e.key, idSpan: e.keySpan, node: e.value })) : [];
  if (description) s.description = asScalar(description, `steps.${id}.description`);
  if (needs) s.needs = needs;
  if (run) s.run = run;
  if (command) s.command = command;
  if (foreach) s.foreach = foreach;
  if (parallelism) s.parallelism = parallelism;
  if (outputs) s.outputs = outputs;
  return s;
}


// The shape check has already proved these; a failure is an internal error, so it throws.
function asMap(n: LNode, what: string): LMap {
  if (n.kind !== 'map') throw new Error(`internal: ${what} should be a map after the shape check`);
  return n;
}

function asSeq(n: LNode, what: string): LSeq {
  if (n.kind !== 'seq') throw new Error(`internal: ${what} should be a list after the shape check`);
  return n;
}

function asScalar(n: LNode, what: string): LScalar {
  if (n.kind !== 'scalar') throw new Error(`internal: ${what} should be a scalar after the shape check`);
  return n;
}

function missing(what: string): never {
  throw new Error(`internal: ${what} should be present after the shape check`);
}

/** Shape errors that leave the rest of the flow readable: only unknown fields (FLOWC201). */
export function onlyUnknownFields(ds: readonly Diagnostic[]): boolean {
  return ds.every((d) => d.severity !== 'error' || d.code === 'FLOWC201');
}

