import type { Code } from '../diagnostics/codes.js';
import type { DiagnosticBag } from '../diagnostics/diagnostic.js';
import { suggestionNotes } from '../diagnostics/suggest.js';
import { canonicalJson } from '../source/canonical-json.js';
import type { Origin } from '../source/span.js';
import type { Json } from '../source/tree.js';
import { merge } from './merge.js';
import { type Override, overrideLabel } from './override-parse.js';
import { formatPath, type Segment } from './path.js';
import { fromJson, toJson, type PMap, type PNode, type PSeq } from './ptree.js';

/**
 * Applies one parsed override to its config's merged tree, in place (SPEC §4 layer 5):
 * `=` needs the key to exist (FLOWC406, with a did-you-mean over the keys beside it), `+` needs it
 * absent (FLOWC407) and creates missing parent maps, `++` does either, `~` needs it present
 * (FLOWC408); `~key=value` deletes only when the current value equals `value`, and otherwise is an
 * error (FLOWC416), as in Hydra. A path through a scalar is FLOWC417. List indexes work the same
 * way; `+list[n]` with n equal to the length appends. `=` also creates a key that the config's
 * schema declares (`options.declared`), since the schema's defaults only arrive after overrides. A map value merges into an existing map (as
 * Hydra does); to replace a map whole, delete it first (`~app.m` then `+app.m={...}`).
 * Returns false when it reported.
 */
export function applyOverride(options: ApplyOverrideOptions): boolean {
  const { root, override: ov, diagnostics } = options;
  const origin: Origin = ov.span ? { kind: 'set', arg: ov.arg, index: ov.index, span: ov.span } : { kind: 'set', arg: ov.arg, index: ov.index };
  const declared = options.declared ?? (() => false);
  // `=` may also create a key the config's schema declares: with a schema, its keys exist in
  // principle (as in Hydra's structured configs), even before the schema's defaults fill them.
  const creates = (segments: Segment[]) => ov.op === 'add' || ov.op === 'force' || (ov.op === 'set' && declared(segments));
  const report = (code: Code, message: string, notes: string[] = []): false => {
    diagnostics.report(code, `${overrideLabel(ov)}: ${message}`, ov.span, notes);
    return false;
  };
  const missingCode: Code = ov.op === 'delete' ? 'FLOWC408' : 'FLOWC406';

  let container: PMap | PSeq = root;
  const walked: Segment[] = [ov.config];
  for (let i = 0; i < ov.path.length - 1; i++) {
    const seg = ov.path[i] as Segment;
    const next = child(container, seg);
    if (next === 'kind-mismatch') return report('FLOWC417', mismatch(container, seg, walked));
    if (next === undefined) {
      if (!creates(ov.path.slice(0, i + 1)) || typeof seg === 'number') return report(missingCode, missingMessage(container, seg, walked), missingNotes(container, seg, ov));
      const made: PMap = { kind: 'map', entries: new Map(), origin, overrode: [] };
      (container as PMap).entries.set(seg, made);
      container = made;
    } else if (next.kind === 'scalar') {
      return report('FLOWC417', `${formatPath([...walked, seg])} is ${describeScalar(next.value)}, not a map or list, so it has no ${describeSeg(ov.path[i + 1] as Segment)}`);
    } else {
      container = next;
    }
    walked.push(seg);
  }

  const last = ov.path[ov.path.length - 1] as Segment;
  const existing = child(container, last);
  if (existing === 'kind-mismatch') return report('FLOWC417', mismatch(container, last, walked));
  const target = formatPath([...walked, last]);
  const node = (v: Json): PNode => fromJson(v, origin);

  if (ov.op === 'delete') {
    if (existing === undefined) return report('FLOWC408', `${missingMessage(container, last, walked)}, so there is nothing to delete`, missingNotes(container, last, ov));
    if (ov.value !== undefined && canonicalJson(toJson(existing)) !== canonicalJson(ov.value)) {
      return report('FLOWC416', `${target} is ${JSON.stringify(toJson(existing))}, not ${JSON.stringify(ov.value)}; not deleted`, [
        `use ~${formatPath([ov.config, ...ov.path])} to delete it whatever its value`,
      ]);
    }
    if (container.kind === 'map') container.entries.delete(last as string);
    else container.items.splice(last as number, 1);
    return true;
  }

  const value = ov.value as Json;
  if (existing !== undefined) {
    if (ov.op === 'add') {
      return report('FLOWC407', `${target} already exists (it is ${JSON.stringify(toJson(existing))})`, [
        `use ${formatPath([ov.config, ...ov.path])}=... to change it, or ++ to set it whether or not it exists`,
      ]);
    }
    // As in Hydra (OmegaConf.update with merge=True), a map value merges into a map; anything else replaces.
    const replaced = merge(existing, node(value));
    if (container.kind === 'map') container.entries.set(last as string, replaced);
    else container.items[last as number] = replaced;
    return true;
  }
  if (!creates(ov.path)) return report('FLOWC406', missingMessage(container, last, walked), missingNotes(container, last, ov));
  if (container.kind === 'map') {
    container.entries.set(last as string, node(value));
    return true;
  }
  if (last === container.items.length) {
    container.items.push(node(value));
    return true;
  }
  return report('FLOWC406', missingMessage(container, last, walked), [`a list grows only at its end: index ${container.items.length}`]);
}

export interface ApplyOverrideOptions {
  /** The config's merged tree, changed in place. */
  root: PMap;
  override: Override;
  diagnostics: DiagnosticBag;
  /** Whether the config's schema declares a path (segments after the config name). */
  declared?: (segments: Segment[]) => boolean;
}

function child(container: PMap | PSeq, seg: Segment): PNode | undefined | 'kind-mismatch' {
  if (container.kind === 'map') return typeof seg === 'string' ? container.entries.get(seg) : 'kind-mismatch';
  return typeof seg === 'number' ? container.items[seg] : 'kind-mismatch';
}

function mismatch(container: PMap | PSeq, seg: Segment, walked: Segment[]): string {
  return container.kind === 'map'
    ? `${formatPath(walked)} is a map; index it by key, not [${String(seg)}]`
    : `${formatPath(walked)} is a list; index it as [n], not .${String(seg)}`;
}

function missingMessage(container: PMap | PSeq, seg: Segment, walked: Segment[]): string {
  if (container.kind === 'seq') return `${formatPath(walked)} has ${container.items.length} item(s); there is no index ${String(seg)}`;
  return `${formatPath(walked)} has no key ${JSON.stringify(seg)}`;
}

function missingNotes(container: PMap | PSeq, seg: Segment, ov: Override): string[] {
  if (container.kind !== 'map' || typeof seg !== 'string') return [];
  const notes = suggestionNotes(seg, container.entries.keys());
  if (ov.op === 'set') notes.push(`to add a new key, write +${ov.arg}`);
  return notes;
}

function describeSeg(seg: Segment): string {
  return typeof seg === 'number' ? `index [${seg}]` : `key ${JSON.stringify(seg)}`;
}

function describeScalar(v: Json): string {
  return `the ${v === null ? 'value null' : `${typeof v} ${JSON.stringify(v)}`}`;
}
