import type { Diagnostic } from './diagnostic.js';

/** The units (bindings of a build, variants of a sweep) a diagnostic was reported in. */
export interface UnitOrigin {
  noun: 'binding' | 'variant';
  names: string[];
}

/** How many unit names a note lists before summarising (tsc lists 4, rustc 8). */
const MAX_NAMES = 5;

const quoted = (names: readonly string[]) => names.slice(0, MAX_NAMES).map((n) => `'${n}'`).join(', ');
const more = (names: readonly string[]) => (names.length > MAX_NAMES ? ` and ${names.length - MAX_NAMES} more` : '');

/**
 * The note `--diagnostics json` carries for a unit's diagnostic: "in binding 'a'", "in bindings
 * 'a', 'b' and 3 more". Its wording is what machine readers have parsed since builds existed.
 */
export function unitsNote(units: UnitOrigin): string {
  return `in ${units.noun}${units.names.length > 1 ? 's' : ''} ${quoted(units.names)}${more(units.names)}`;
}

/** A diagnostic's notes with its units spelled out as a note (the form JSON and single prints use). */
export function flatNotes(d: Diagnostic): string[] | undefined {
  return d.units ? [...(d.notes ?? []), unitsNote(d.units)] : d.notes;
}

/**
 * The text note of a group: the count comes first when the list is cut short, so "in 1,000
 * bindings" is read before the names.
 */
function groupNote(noun: string, names: readonly string[]): string {
  if (names.length <= MAX_NAMES) return `in ${noun}${names.length > 1 ? 's' : ''} ${quoted(names)}`;
  return `in ${thousands(names.length)} ${noun}s: ${quoted(names)}${more(names)}`;
}

/** 1000 as "1,000" (toLocaleString would load ICU's number formats: ~50 ms on its first call). */
function thousands(n: number): string {
  return String(n).replace(/\B(?=(\d{3})+$)/g, ',');
}

/**
 * Where `name` stands as a whole word in `text` (not inside a longer name, e.g. `a` in `data` or
 * `variant-1` in `variant-12`), the text is cut: joining the parts with `name` gives `text` back
 * exactly, and joining them with another unit's name gives what that unit would have said.
 */
export function cutAtName(text: string, name: string): string[] {
  const parts: string[] = [];
  let from = 0;
  let at = text.indexOf(name);
  while (at >= 0 && name !== '') {
    const end = at + name.length;
    if (!isNameChar(text[at - 1]) && !isNameChar(text[end])) {
      parts.push(text.slice(from, at));
      from = end;
      at = text.indexOf(name, end);
    } else at = text.indexOf(name, at + 1);
  }
  parts.push(text.slice(from));
  return parts;
}

function isNameChar(c: string | undefined): boolean {
  return c !== undefined && /[A-Za-z0-9_-]/.test(c);
}

interface Group {
  first: Diagnostic;
  noun: UnitOrigin['noun'];
  /** The message and notes cut at the unit's name; one part each when nothing was cut. */
  message: string[];
  notes: string[][];
  names: string[];
  seen: Set<string>;
}

/**
 * The diagnostics as text shows them: the same problem reported by several units is one entry
 * whose last note names the units. "The same" means equal code, severity, span (start and end)
 * and notes, and a message equal once each unit's own name is taken out, so "... to
 * variant-0000.batch.json" of binding variant-0000 and "... to variant-0001.batch.json" of
 * variant-0001 are one problem, shown as "... to <binding>.batch.json".
 *
 * Sound by construction: two entries merge only when their texts, cut where their own unit's
 * name stands, have equal parts; so the shown text with `<binding>` replaced by any listed unit's
 * name is exactly what that unit reported. An entry already naming several units (same text in
 * each, merged by unitDiagnostics) is cut nowhere and merges only with equal text. Order: each
 * group where its first member stood.
 */
export function groupUnitDiagnostics(ds: readonly Diagnostic[]): Diagnostic[] {
  const out: (Diagnostic | Group)[] = [];
  const groups = new Map<string, Group>();
  for (const d of ds) {
    if (!d.units || d.units.names.length === 0) {
      out.push(d);
      continue;
    }
    const distinct = [...new Set(d.units.names)];
    const own = distinct.length === 1 ? distinct[0]! : '';
    const cut = (text: string) => (own ? cutAtName(text, own) : [text]);
    const message = cut(d.message);
    const notes = (d.notes ?? []).map(cut);
    const key = groupKey(d, message, notes);
    let g = groups.get(key);
    if (!g) {
      g = { first: d, noun: d.units.noun, message, notes, names: [], seen: new Set() };
      groups.set(key, g);
      out.push(g);
    }
    for (const n of distinct) {
      if (g.seen.has(n)) continue;
      g.seen.add(n);
      g.names.push(n);
    }
  }
  return out.map((e) => ('first' in e ? shown(e) : e));
}

/**
 * Equal exactly for entries that may merge. Each text part is written with its length, so no
 * choice of parts can spell another's key (JSON.stringify did the same at twice the cost).
 */
function groupKey(d: Diagnostic, message: string[], notes: string[][]): string {
  const s = d.span;
  let key = `${d.code} ${d.severity} ${d.units!.noun} ${s ? `${s.line} ${s.col} ${s.endLine} ${s.endCol} ${s.file.length}:${s.file}` : '-'}\n`;
  for (const part of message) key += `${part.length}:${part}`;
  for (const note of notes) {
    key += '\n';
    for (const part of note) key += `${part.length}:${part}`;
  }
  return key;
}

function shown(g: Group): Diagnostic {
  const { units: _, ...d } = g.first;
  const cut = g.message.length > 1 || g.notes.some((n) => n.length > 1);
  // One unit, or nothing was cut: the first member's own text is every member's text.
  if (g.names.length === 1 || !cut) return { ...d, notes: [...(d.notes ?? []), groupNote(g.noun, g.names)] };
  const placeholder = `<${g.noun}>`;
  return {
    ...d,
    message: g.message.join(placeholder),
    notes: [...g.notes.map((n) => n.join(placeholder)), groupNote(g.noun, g.names), `${placeholder} above is each ${g.noun}'s own name`],
  };
}

