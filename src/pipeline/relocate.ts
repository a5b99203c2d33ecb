import type { LeafProvenance, ResolvedConfigs } from '../config/types.js';
import type { Diagnostic } from '../diagnostics/diagnostic.js';
import { placeOf, type Span } from '../source/span.js';
import type { LNode } from '../source/tree.js';

/** A whole-value reference `${config.path}`: the only form whose value is one config leaf as it is. */
const WHOLE_REF = /^\$\{([a-z_][a-z0-9_]*)\.([A-Za-z0-9_.[\]-]+)\}$/;
/** Uses named per relocated diagnostic; the rest are counted. */
const USES_SHOWN = 5;

interface Use {
  ref: string;
  config: string;
  path: string;
  span: Span;
}

/**
 * A config value that breaks the flow (a wrong type, a bad unit) is reported where the value was
 * set, the config file's line, a binding's `set:` entry or the `--set` argument, with a note
 * naming where the flow uses it (issue 16; docs/decisions.md, "Diagnostics and CLI"). Only a
 * diagnostic of the resolved-shape check that lies exactly on a whole-value `${config.path}` is
 * moved, using the provenance `flowc config --explain` prints. The same bad value used in several
 * places is one diagnostic listing the uses. Everything else is returned as it was.
 */
export function relocateConfigProblems(options: { diagnostics: Diagnostic[]; root: LNode; resolved: ResolvedConfigs }): Diagnostic[] {
  // Nothing to move: the walk over the whole flow (a regex per string) is skipped.
  if (options.diagnostics.length === 0) return options.diagnostics;
  const uses = new Map<string, Use>();
  collectUses(options.root, uses);
  if (uses.size === 0) return options.diagnostics;
  const out: Diagnostic[] = [];
  const merged = new Map<string, { d: Diagnostic; uses: string[] }>();
  for (const d of options.diagnostics) {
    const use = d.span ? uses.get(spanKey(d.span)) : undefined;
    const leaf = use ? options.resolved.provenance[use.config]?.find((l) => l.path === use.path) : undefined;
    if (!use || !leaf) {
      out.push(d);
      continue;
    }
    const where = `${placeOf(d.span ?? use.span)} (${use.ref})`;
    const moved = moveToOrigin(d, leaf);
    const key = `${moved.code}\u0000${moved.span ? spanKey(moved.span) : ''}\u0000${leaf.path}\u0000${use.config}`;
    const seen = merged.get(key);
    if (seen) {
      seen.uses.push(where);
      continue;
    }
    const entry = { d: moved, uses: [where] };
    merged.set(key, entry);
    out.push(moved);
  }
  for (const { d, uses: places } of merged.values()) {
    const shown = places.slice(0, USES_SHOWN).map((p, i) => (i === 0 ? `used at ${p}` : `also used at ${p}`));
    if (places.length > USES_SHOWN) shown.push(`and ${places.length - USES_SHOWN} more uses`);
    d.notes = [...shown, ...(d.notes ?? [])];
  }
  return out;
}

function moveToOrigin(d: Diagnostic, leaf: LeafProvenance): Diagnostic {
  const o = leaf.origin;
  switch (o.kind) {
    case 'file':
    case 'inline-default':
      return { ...d, span: o.span, notes: d.notes ? [...d.notes] : [] };
    case 'set':
      // A binding's `set:` entry has a place; a command-line --set is named in the message.
      return o.span ? { ...d, span: o.span, notes: d.notes ? [...d.notes] : [] } : { code: d.code, severity: d.severity, message: `--set ${o.arg}: ${d.message}`, notes: d.notes ? [...d.notes] : [] };
    case 'env':
      return { ...d, notes: [...(d.notes ?? []), `the value comes from environment variable ${o.name}`] };
    case 'schema-default':
      return { ...d, notes: [...(d.notes ?? []), `the value is the config schema's default (${o.pointer})`] };
  }
}

function collectUses(node: LNode, out: Map<string, Use>): void {
  if (node.kind === 'map') for (const e of node.entries) collectUses(e.value, out);
  else if (node.kind === 'seq') for (const i of node.items) collectUses(i, out);
  else if (typeof node.value === 'string') {
    const m = WHOLE_REF.exec(node.value);
    if (!m) return;
    const use = { ref: node.value, config: m[1] as string, path: m[2] as string, span: node.span };
    out.set(spanKey(node.span), use);
    // A quoted reference is reported at its first character inside the quotes.
    if (node.quoted) out.set(spanKey({ ...node.span, col: node.span.col + 1 }), use);
  }
}

function spanKey(s: Span): string {
  return `${s.file}:${s.line}:${s.col}`;
}
