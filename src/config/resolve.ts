import { relative } from 'node:path';
import type { DiagnosticBag } from '../diagnostics/diagnostic.js';
import { suggestionNotes } from '../diagnostics/suggest.js';
import type { SourceRegistry } from '../source/files.js';
import type { Span } from '../source/span.js';
import type { Json } from '../source/tree.js';
import { interpolateConfig } from './interpolate.js';
import { loadConfigFile, type LoadConfigFileOptions } from './load-file.js';
import { merge } from './merge.js';
import { checkNoNul } from './nul-check.js';
import { originSpan } from './origin.js';
import { applyOverride } from './override-apply.js';
import { type OverrideParse, overrideLabel, parseOverride } from './override-parse.js';
import type { Segment } from './path.js';
import { leafProvenance } from './provenance.js';
import { fromLNode, toJson, type PMap } from './ptree.js';
import { validateConfig } from './schema.js';
import { schemaDeclares } from './schema-walk.js';
import { taintConfig, type TaintedLeaf } from './taint.js';
import type { ConfigDecl, LeafProvenance, ResolveConfigsRequest, ResolvedConfigs } from './types.js';

export type { ConfigDecl, LeafProvenance, ResolveConfigsRequest, ResolvedConfigs } from './types.js';

/** One config while the cascade runs; `tree` is undefined once something about it failed. */
interface Working {
  decl: ConfigDecl;
  tree: PMap | undefined;
  /** JSON pointers the schema marks `secret: true`. */
  secrets?: string[];
}

/**
 * Resolves every declared config through the cascade (SPEC §4), lowest precedence first:
 * 1. the flow's inline `default:`; 2. the flow's `files:` in order, each after what it `extends:`;
 * 3. binding files; 4. `--config name=FILE` in CLI order; 5. `--set` overrides in CLI order.
 * Then `${...}` interpolation within each config (SPEC §3), then its JSON Schema with defaults.
 *
 * All problems are reported to `req.diagnostics`, as many at once as can be trusted: a config whose
 * layers failed to load skips its later phases (they would only report echoes), others go on.
 * Returns undefined when anything was reported.
 */
export function resolveConfigs(req: ResolveConfigsRequest): ResolvedConfigs | undefined {
  const { diagnostics } = req;
  const errorsBefore = diagnostics.errors().length;
  const relativize = req.relativize ?? ((p: string) => relative(process.cwd(), p) || '.');
  const working = new Map<string, Working>();
  const fileOptions = { sources: req.sources, diagnostics, relativize, ...(req.guard ? { guard: req.guard } : {}) };

  // Layers 1 and 2: the flow's own cascade.
  for (const decl of req.decls) working.set(decl.name, { decl, tree: flowLayers(decl, fileOptions) });

  // Layers 3 and 4: whole files laid on a named config.
  const fileLayers: { name: string; file: string; span?: Span; label: string }[] = [
    ...(req.bindingFiles ?? []).map((b) => ({ ...b, label: `binding ${b.name}` })),
    ...(req.cliConfigs ?? []).map((c) => ({ name: c.name, file: c.file, label: `--config ${c.arg}` })),
  ];
  for (const layer of fileLayers) {
    const w = working.get(layer.name);
    if (w === undefined) {
      diagnostics.report('FLOWC404', `${layer.label}: the flow declares no config named ${JSON.stringify(layer.name)}`, layer.span, namesNote(layer.name, working));
      continue;
    }
    const loaded = loadConfigFile(layer.file, { ...fileOptions, span: layer.span });
    if (loaded === undefined) w.tree = undefined;
    else if (w.tree !== undefined) w.tree = merge(w.tree, loaded) as PMap;
  }

  // Layer 5: overrides, in CLI order.
  applyOverrides({ sets: req.sets ?? [], spans: req.setSpans ?? [], working, sources: req.sources, diagnostics });

  // Interpolation, then the schema, config by config.
  for (const w of working.values()) {
    if (w.tree === undefined) continue;
    if (!interpolateConfig(w.tree, { name: w.decl.name, env: req.env, diagnostics })) {
      w.tree = undefined;
      continue;
    }
    if (w.decl.schema !== undefined) {
      const secrets: string[] = [];
      w.secrets = secrets;
      w.tree = validateConfig({
        onSecret: (p) => secrets.push(p),
        ...(req.guard ? { guard: req.guard } : {}),
        name: w.decl.name,
        schema: w.decl.schema,
        root: w.tree,
        sources: req.sources,
        diagnostics,
        fallbackSpan: originSpan(w.tree.origin) ?? w.decl.nameSpan,
      });
    }
    if (w.tree !== undefined && !checkNoNul({ name: w.decl.name, root: w.tree, diagnostics })) w.tree = undefined;
  }

  if (diagnostics.errors().length > errorsBefore) return undefined;
  const values: Record<string, Json> = {};
  const provenance: Record<string, LeafProvenance[]> = {};
  const tainted: Record<string, TaintedLeaf[]> = {};
  for (const [name, w] of working) {
    const tree = w.tree as PMap;
    tainted[name] = taintConfig({ config: name, root: tree, schemaSecrets: w.secrets ?? [], diagnostics });
    values[name] = toJson(tree);
    provenance[name] = leafProvenance(tree);
  }
  return { values, provenance, tainted };
}

/** Layers 1 and 2 of one config: its inline `default:`, then its `files:` in order. */
function flowLayers(decl: ConfigDecl, fileOptions: Omit<LoadConfigFileOptions, 'span'>): PMap | undefined {
  const { diagnostics } = fileOptions;
  let root: PMap | undefined;
  let failed = false;
  if (decl.default !== undefined) {
    if (decl.default.kind === 'map') root = fromLNode(decl.default, (n) => ({ kind: 'inline-default', span: n.span })) as PMap;
    else {
      diagnostics.report('FLOWC403', `the default: of config ${decl.name} must be a map of keys`, decl.default.span);
      failed = true;
    }
  }
  for (const file of decl.files) {
    const layer = loadConfigFile(file.path, { ...fileOptions, span: file.span });
    if (layer === undefined) failed = true;
    else root = merge(root, layer) as PMap;
  }
  if (failed) return undefined;
  // No layer at all: an empty config, located at its name for any schema error about it.
  return root ?? { kind: 'map', entries: new Map(), origin: { kind: 'file', span: decl.nameSpan }, overrode: [] };
}

/**
 * Layer 5: each `--set` in CLI order. A failed override is skipped and the rest still apply, so
 * every bad one is reported at once; its config then skips interpolation and schema, which would
 * only judge a tree the user did not ask for.
 */
function applyOverrides(options: { sets: string[]; spans: (Span | undefined)[]; working: Map<string, Working>; sources: SourceRegistry; diagnostics: DiagnosticBag }): void {
  const { working, diagnostics } = options;
  const declaredBySchema = new Map<string, (segments: Segment[]) => boolean>();
  const failed = new Set<string>();
  options.sets.forEach((arg, index) => {
    // An argument's parse depends on its text alone (its position is put back): the variants of a
    // build that pass the same --set share one parse.
    const shared = options.sources.derive(parseOverrideText, arg);
    const parsed: OverrideParse = shared.ok ? { ok: true, override: { ...shared.override, index } } : shared;
    const span = options.spans[index];
    if (!parsed.ok) {
      const code = parsed.code ?? 'FLOWC405';
      // The caret shows the argument as typed; JSON quoting keeps a control character from
      // reaching the terminal raw.
      const shown = /[\u0000-\u001f\u007f]/.test(arg) ? JSON.stringify(arg) : arg;
      const offset = shown === arg ? 0 : 1;
      const notes = parsed.at === undefined || shown !== arg ? [] : [`  ${arg}`, `  ${' '.repeat(parsed.at + offset)}^`];
      notes.push(...(parsed.notes ?? []));
      if (code === 'FLOWC405') notes.push('forms: app.key=value (change), +app.key=value (add), ++app.key=value (set), ~app.key (delete)');
      diagnostics.report(code, `${overrideLabel({ arg: shown, span })}: ${parsed.error}`, span, notes);
      return;
    }
    const ov = span ? { ...parsed.override, span } : parsed.override;
    const w = working.get(ov.config);
    if (w === undefined) {
      diagnostics.report('FLOWC404', `${overrideLabel(ov)}: the flow declares no config named ${JSON.stringify(ov.config)}`, span, [...keyOfConfigNote(ov, working), ...namesNote(ov.config, working)]);
      return;
    }
    if (w.tree === undefined) return;
    const schema = w.decl.schema;
    const declared = schema === undefined ? undefined : (declaredBySchema.get(ov.config) ?? schemaDeclares({ schemaPath: schema.path, sources: options.sources }));
    if (declared !== undefined) declaredBySchema.set(ov.config, declared);
    if (!applyOverride({ root: w.tree, override: ov, diagnostics, declared })) failed.add(ov.config);
  });
  for (const name of failed) (working.get(name) as Working).tree = undefined;
}

const parseOverrideText = (arg: string): OverrideParse => parseOverride(arg, 0);

/** `--set train.epochs=3` where a config has a key `train`: the override with the config's name in front. */
function keyOfConfigNote(ov: { arg: string; config: string }, working: Map<string, Working>): string[] {
  const owners = [...working].filter(([, w]) => w.tree?.entries.has(ov.config)).map(([name]) => name);
  return owners.map((name) => `did you mean ${ov.arg.replace(/^([+~]*)/, `$1${name}.`)}? (config '${name}' has the key '${ov.config}')`);
}

function namesNote(name: string, working: Map<string, Working>): string[] {
  const names = [...working.keys()];
  const notes = suggestionNotes(name, names);
  notes.push(names.length === 0 ? 'the flow declares no configs' : `declared configs: ${names.join(', ')}`);
  return notes;
}

